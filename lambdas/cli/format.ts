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

/** "manifest 21.7 KiB, reference 22.7 KiB, masks 4.5 KiB": what an output holds besides its reel. */
export function overheadText(o: { manifest: number; reference: number; masks: number; other: number }): string {
  return [`manifest ${bytes(o.manifest)}`, `reference ${bytes(o.reference)}`, `masks ${bytes(o.masks)}`, ...(o.other ? [`other ${bytes(o.other)}`] : [])].join(', ');
}
