// Clean-up on SIGINT/SIGTERM: whatever a run has staged, locked or spawned registers an undo here; the CLI runs them
// all before exiting, so an interrupted run leaves nothing behind (SIGKILL cannot be caught: the next run on the same
// destination removes what is left, see output-safety.ts).
type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();

/** Registers `fn` to run on interrupt; returns its unregister. */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** Runs every registered clean-up once (newest first), ignoring their errors. */
export async function runInterruptCleanups(): Promise<number> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await fn();
    } catch {
      // best effort: the process is exiting
    }
  }
  return all.length;
}
