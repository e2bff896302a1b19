// Issue 14's overhead target on finished outputs: everything but the reel (manifest, reference, masks, any other
// file) against the reel, and whether it is at most OVERHEAD_TARGET of the reel where the reel is at most
// REEL_LIMIT_BYTES (the rule). Reads the folders only (inspect's figures), so it reruns in seconds.
//
//   node --import tsx bench/overhead.ts <outDir>... [--json FILE]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { inspectOutput } from '../lambdas/core/inspect.ts';
import { LocalStorage } from '../lambdas/storage/local.ts';

const OVERHEAD_TARGET = 0.25;
const REEL_LIMIT_BYTES = 250_000;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'string' } } });
const rows = [];
for (const dir of positionals) {
  const r = await inspectOutput(new LocalStorage(dir));
  const share = r.overhead.total / r.reelBytes;
  rows.push({
    dir,
    frames: r.frames,
    size: `${r.width}x${r.height}`,
    crf: r.crf,
    outputBytes: r.outputBytes,
    reelBytes: r.reelBytes,
    overhead: r.overhead,
    share,
    verdict: r.reelBytes > REEL_LIMIT_BYTES ? 'n/a (reel > 250 KB)' : share <= OVERHEAD_TARGET ? 'met' : 'missed',
  });
}
console.log('| output | frames | frame | output B | reel B | manifest B | reference B | masks B | other B | overhead / reel | <= 25% |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const o = r.overhead;
  console.log(`| ${r.dir} | ${r.frames} | ${r.size} | ${r.outputBytes} | ${r.reelBytes} | ${o.manifest} | ${o.reference} | ${o.masks} | ${o.other} | ${(100 * r.share).toFixed(1)}% | ${r.verdict} |`);
}
if (values.json) await writeFile(values.json, JSON.stringify(rows, null, 1));
