// Progress on stderr: a bar per stage on a terminal, a line every few seconds otherwise (CI logs stay short).
import cliProgress from 'cli-progress';

export type ProgressFn = (stage: string, done: number, total: number) => void;

export function createProgress(enabled = true): { onProgress: ProgressFn; stop(): void } {
  if (!enabled) return { onProgress: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    let current = '';
    return {
      onProgress(stage, done, total) {
        if (stage !== current) {
          bar?.stop();
          current = stage;
          bar = new cliProgress.SingleBar(
            { format: `${stage.padEnd(11)} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0);
        }
        bar?.update(done);
      },
      stop() {
        bar?.stop();
      },
    };
  }
  let last = 0;
  let current = '';
  return {
    onProgress(stage, done, total) {
      const now = Date.now();
      if (stage !== current || done === total || now - last > 5000) {
        process.stderr.write(`[adreel] ${stage}: ${done}/${total}\n`);
        last = now;
        current = stage;
      }
    },
    stop() {},
  };
}
