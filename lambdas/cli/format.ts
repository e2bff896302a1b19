// Human-readable figures for summaries.
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function seconds(rec: Record<string, number>): string {
  return Object.entries(rec)
    .map(([k, v]) => `${k} ${v.toFixed(1)}s`)
    .join(', ');
}
