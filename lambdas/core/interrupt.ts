// Clean-up on SIGINT/SIGTERM: whatever a run has staged, locked or spawned registers an undo here; the CLI runs them
// all before exiting, so an interrupted run leaves nothing behind (SIGKILL cannot be caught: the next run on the same
// destination removes what is left, see output-safety.ts).
/** A clean-up may return the destination it protected, so the interrupt message can name it. */
type Cleanup = () => Promise<string | void> | string | void;

const cleanups = new Set<Cleanup>();

/** Registers `fn` to run on interrupt; returns its unregister. */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** Runs every registered clean-up once (newest first), ignoring their errors: how many ran, and the destinations. */
export async function runInterruptCleanups(): Promise<{ count: number; destinations: string[] }> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  const destinations: string[] = [];
  for (const fn of all) {
    try {
      const dest = await fn();
      if (typeof dest === 'string') destinations.push(dest);
    } catch {
      // best effort: the process is exiting
    }
  }
  return { count: all.length, destinations };
}
