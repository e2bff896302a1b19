// The whole local pipeline on generated data: compress -> verify -> restore -> transform, and what happens to bad
// input and damaged outputs. Real code end to end (sharp, OpenCV WASM, the system FFmpeg); nothing mocked.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { copyFile, cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../lambdas/cli/main.ts';
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import { frameSha256 } from '../../../lambdas/core/hash.ts';
import { decodeImage, decodeMask, encodePng } from '../../../lambdas/core/image-io.ts';
import { restoreFrames } from '../../../lambdas/core/restore.ts';
import { verifyOutput } from '../../../lambdas/core/verify.ts';
import { LocalStorage } from '../../../lambdas/storage/local.ts';
import { applyMask } from '../../../lambdas/core/union-mask.ts';
import { warpImage } from '../../../lambdas/core/align/index.ts';
import { tempDir, writeSyntheticFolder } from '../../helpers/synthetic-folder.ts';
import { parseCompressOptions } from '../../../lambdas/core/compress/options.ts';
import { parseTransformReport, TRANSFORM_REPORT_FILE } from '../../../lambdas/core/transform-report.ts';
import { manifestFileDocument } from '../../../lambdas/core/manifest.ts';

const SIZE = 256;
const COUNT = 10;

describe('compress / restore / verify on generated screws', () => {
  let root: string;
  let input: string;
  let lossy: string;
  let lossless: string;

  before(async () => {
    root = await tempDir();
    input = join(root, 'input');
    await writeSyntheticFolder(input, { count: COUNT, size: SIZE, seed: 7 });
    lossy = join(root, 'lossy');
    lossless = join(root, 'lossless');
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('compresses every frame into one reel with a valid manifest, leaving inputs untouched', async () => {
    const before = await snapshot(input);
    const s = await compressFolder(input, lossy, parseCompressOptions({ crf: 28 }));
    assert.equal(s.frames, COUNT);
    assert.ok(s.reelBytes > 0 && s.reelBytes < s.inputBytes, `reel ${s.reelBytes} B vs input ${s.inputBytes} B`);
    assert.ok(s.psnrDb > 30, `PSNR inside the mask ${s.psnrDb} dB`);
    assert.ok(s.unionFraction !== null && s.unionFraction > 0 && s.unionFraction < 0.6);
    for (const f of s.manifest.frames) assert.ok(f.alignment?.ok, `${f.name} aligned`);
    assert.deepEqual(await snapshot(input), before, 'inputs are never modified');
    const files = (await readdir(lossy)).sort();
    assert.deepEqual(files, ['manifest.bin', 'mask.bin', 'reel.mp4', 'reference-mask.bin', 'reference.webp']);
    assert.equal((await verifyOutput(new LocalStorage(lossy))).ok, true);
  });

  it('lossless restores every frame bit-exactly: the aligned frame, blanked outside the union mask', async () => {
    const s = await compressFolder(input, lossless, parseCompressOptions({ lossless: true }));
    const store = new LocalStorage(lossless);
    const union = await decodeMask(await readFile(join(lossless, 'mask.bin')), 'mask.bin');
    let n = 0;
    for await (const f of restoreFrames(store)) {
      const record = s.manifest.frames[f.index];
      const source = (await decodeImage(await readFile(join(input, record.name)), record.name)).image;
      const expected = applyMask(await warpImage(source, record.transform!, SIZE, SIZE), union);
      const restored = (await decodeImage(f.png, f.fileName)).image;
      assert.equal(frameSha256(restored), frameSha256(expected), `${f.fileName} restores bit-exactly`);
      n++;
    }
    assert.equal(n, COUNT);
  });

  it('restore via the CLI writes <stem>.png at full frame size; --frames takes a range of reel positions; --original-geometry the source size', async () => {
    const dest = join(root, 'restored');
    assert.equal(await main(['restore', lossy, dest, '--quiet']), 0);
    const names = (await readdir(dest)).sort();
    assert.equal(names.length, COUNT);
    const first = (await decodeImage(await readFile(join(dest, names[0])), names[0])).image;
    assert.deepEqual([first.width, first.height, first.channels], [SIZE, SIZE, 1]);
    const part = join(root, 'part');
    assert.equal(await main(['restore', lossy, part, '--frames', '2-4', '--quiet']), 0);
    // reel positions, not name order: frames are ordered by similarity inside the reel; the manifest says which
    const manifest = (manifestFileDocument(await readFile(join(lossy, 'manifest.bin')), 'manifest.bin') as any) as { frames: { stem: string }[] };
    assert.deepEqual((await readdir(part)).sort(), manifest.frames.slice(2, 5).map((f) => `${f.stem}.png`).sort());
    const orig = join(root, 'orig');
    assert.equal(await main(['restore', lossy, orig, '--frames', '1-1', '--original-geometry', '--quiet']), 0);
    assert.equal((await readdir(orig)).length, 1);
    assert.equal(await main(['restore', lossy, join(root, 'bad'), '--frames', `0-${COUNT}`, '--quiet']), 2, 'range past the end is a usage error');
  });

  it('inspect --json reports the figures', async () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (s: string) => out.push(s);
    try {
      assert.equal(await main(['inspect', lossy, '--json']), 0);
    } finally {
      console.log = log;
    }
    const r = JSON.parse(out.join('\n'));
    assert.equal(r.frames, COUNT);
    assert.equal(r.crf, 28);
    assert.ok(r.ratio > 1 && r.reelBytes > 0 && r.outputBytes > r.reelBytes && r.inputBytes > 0);
    assert.ok(r.alignmentScore.min > 0 && r.alignmentScore.mean <= 1 && r.unionFraction > 0);
  });

  it('a tampered or truncated reel is refused by verify and restore; a damaged manifest too', async () => {
    const damaged = join(root, 'damaged');
    await cp(lossy, damaged, { recursive: true });
    const reel = join(damaged, 'reel.mp4');
    const bytes = await readFile(reel);
    bytes[Math.floor(bytes.length * 0.6)] ^= 0xff;
    await writeFile(reel, bytes);
    const v = await verifyOutput(new LocalStorage(damaged));
    assert.equal(v.ok, false);
    assert.match(v.problems.join('\n'), /reel\.mp4.*(sha256|damaged|tampered)/);
    assert.equal(await main(['verify', damaged, '--quiet']), 1);
    await assert.rejects(collect(restoreFrames(new LocalStorage(damaged))), /tampered|damaged/);
    await writeFile(reel, bytes.subarray(0, bytes.length >> 1));
    await assert.rejects(collect(restoreFrames(new LocalStorage(damaged))), /truncated|bytes/);
    await writeFile(join(damaged, 'manifest.bin'), 'adreel.manifest 4\n');
    assert.equal(await main(['verify', damaged, '--quiet']), 1);
    const dest = join(root, 'never');
    assert.equal(await main(['restore', damaged, dest, '--quiet']), 1);
    assert.deepEqual(await readdir(dest).catch(() => []), [], 'a refused restore leaves no files');
  });

  it('refuses an output folder holding another dataset or foreign files; re-running the same dataset replaces it', async () => {
    const other = join(root, 'other-input');
    await writeSyntheticFolder(other, { count: 3, size: SIZE, seed: 99 });
    await assert.rejects(compressFolder(other, lossy, parseCompressOptions({})), /holds another dataset/);
    const foreign = join(root, 'foreign');
    await writeSyntheticFolder(foreign, { count: 1, size: 64, seed: 1 });
    await assert.rejects(compressFolder(input, foreign, parseCompressOptions({})), /not empty and holds no adreel manifest/);
    const again = await compressFolder(input, lossy, parseCompressOptions({ crf: 30 }));
    assert.equal(again.manifest.codec.crf, 30);
    assert.equal((await verifyOutput(new LocalStorage(lossy))).ok, true);
  });

  it('transform applies the stored alignment and mask to new images, writing the same layout', async () => {
    const cat = join(root, 'category');
    await writeSyntheticFolder(join(cat, 'test', 'good'), { count: 2, size: SIZE, seed: 31 });
    const defect = join(cat, 'test', 'scratch');
    const names = await writeSyntheticFolder(defect, { count: 2, size: SIZE, seed: 32 });
    const gtDir = join(cat, 'ground_truth', 'scratch');
    await writeSyntheticFolder(gtDir, { count: 0, size: SIZE, seed: 1 }).catch(() => []);
    for (const n of names) {
      const gt = new Uint8Array(SIZE * SIZE);
      gt.fill(255, SIZE * 100, SIZE * 110);
      await writeFile(join(gtDir, n.replace(/\.png$/, '_mask.png')), await encodePng({ width: SIZE, height: SIZE, channels: 1, data: gt }));
    }
    const dest = join(root, 'transformed');
    assert.equal(await main(['transform', lossy, cat, dest, '--quiet']), 0);
    assert.equal((await readdir(join(dest, 'test', 'good'))).length, 2);
    assert.deepEqual((await readdir(join(dest, 'ground_truth', 'scratch'))).sort(), names.map((n) => n.replace(/\.png$/, '_mask.png')).sort());
    const report = parseTransformReport(await readFile(join(dest, TRANSFORM_REPORT_FILE)), 'transform-report.json');
    assert.equal(report.images, 4);
    assert.equal(report.groundTruthMasks, 2);
    assert.equal(report.report.filter((e) => e.groundTruth).length, 2);
    assert.ok(report.report.every((e) => e.matrix !== null && e.name.endsWith('.png')));
  });
});

describe('bad input gets a clear error naming the file, and nothing is lost', () => {
  let root: string;
  before(async () => {
    root = await tempDir();
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('an empty folder', async () => {
    const empty = join(root, 'empty');
    await writeSyntheticFolder(empty, { count: 0, size: 64, seed: 1 });
    await assert.rejects(compressFolder(empty, join(root, 'o1'), parseCompressOptions({})), /empty.*no images found/);
  });

  it('a corrupt image is named; a non-image file is skipped with a warning; no output appears', async () => {
    const dir = join(root, 'corrupt');
    await writeSyntheticFolder(dir, { count: 3, size: 128, seed: 2 });
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await writeFile(join(dir, 'zz-broken.png'), Buffer.from('not a png at all'));
    const out = join(root, 'o2');
    await assert.rejects(compressFolder(join(dir), out, parseCompressOptions({})), /zz-broken\.png/);
    await assert.rejects(stat(out), /ENOENT/, 'no partial output');
    const siblings = await readdir(root);
    assert.ok(!siblings.some((s) => s.includes('adreel-partial')), `no staging folder left: ${siblings}`);
  });

  it('names that collide after case folding', async () => {
    const dir = join(root, 'dupes');
    const [name] = await writeSyntheticFolder(dir, { count: 1, size: 128, seed: 3 });
    await copyFile(join(dir, name), join(dir, name.toUpperCase().replace('.PNG', '.png')));
    await assert.rejects(compressFolder(dir, join(root, 'o3'), parseCompressOptions({})), /collide after case folding/);
  });

  it('mixed sizes without alignment are placed in the largest frame and restored at their own size; with alignment they are warped to the reference frame', async () => {
    const dir = join(root, 'mixed');
    await writeSyntheticFolder(dir, { count: 3, size: 192, seed: 4 });
    const big = await tempDir();
    const [n] = await writeSyntheticFolder(big, { count: 1, size: 224, seed: 5 });
    await copyFile(join(big, n), join(dir, 'zz-larger.png'));
    const unaligned = await compressFolder(dir, join(root, 'o4'), parseCompressOptions({ align: false, mask: false }));
    assert.deepEqual([unaligned.manifest.frame.width, unaligned.manifest.frame.height], [224, 224]);
    assert.equal(unaligned.manifest.decisions?.frameSize.resized, 1);
    const back = join(root, 'o4-restored');
    assert.equal(await main(['restore', join(root, 'o4'), back]), 0);
    for (const [name, side] of [['zz-larger.png', 224], [unaligned.manifest.frames.find((f) => f.name !== 'zz-larger.png')!.name, 192]] as const) {
      const meta = await sharp(join(back, name)).metadata();
      assert.deepEqual([meta.width, meta.height], [side, side], name);
    }
    const s = await compressFolder(dir, join(root, 'o5'), parseCompressOptions({}));
    assert.equal(s.frames, 4);
    const larger = s.manifest.frames.find((f) => f.name === 'zz-larger.png');
    assert.deepEqual([larger?.source.width, s.manifest.frame.width], [224, 192]);
    await rm(big, { recursive: true, force: true });
  });

  it('usage errors exit 2', async () => {
    assert.equal(await main(['compress', 'a']), 2);
    assert.equal(await main(['compress', 'a', 'b', '--crf', '99']), 2);
    assert.equal(await main(['compress', 'a', 'b', '--crf', '20', '--lossless']), 2);
    assert.equal(await main(['compress', 'a', 'b', '--x265', 'a=b;rm -rf /']), 2);
    assert.equal(await main(['nope']), 2);
  });
});

async function snapshot(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of await readdir(dir)) out[n] = (await stat(join(dir, n))).mtimeMs;
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
