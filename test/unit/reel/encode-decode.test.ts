import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EncoderError, IntegrityError } from '../../../lambdas/ground/errors.ts';
import { frameSha256, sha256 } from '../../../lambdas/core/hash.ts';
import { decodeHevc, probeReel } from '../../../lambdas/core/reel/decode.ts';
import { encoderSettings } from '../../../lambdas/core/compress/options.ts';
import { encodeHevc, type EncodeOptions } from '../../../lambdas/core/reel/encode.ts';
import type { Image } from '../../../lambdas/core/types.ts';
import { psnr, streamOf, syntheticFrame, syntheticFrames } from './synthetic-frames.ts';

const FRAME_COUNT = 20;
const WIDTH = 96;
const HEIGHT = 80;

async function collect(frames: AsyncIterable<Image>): Promise<Image[]> {
  const out: Image[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

/** Names of ffmpeg processes that are children of this test process. */
function childFfmpegs(): string[] {
  const listing = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'comm='], { encoding: 'utf8' });
  return listing.split('\n').filter((name) => name.trim() === 'ffmpeg');
}

describe('encodeHevc / decodeHevc', () => {
  let dir: string;
  const grey = syntheticFrames(FRAME_COUNT, WIDTH, HEIGHT, 1);
  const rgb = syntheticFrames(FRAME_COUNT, WIDTH, HEIGHT, 3);
  let greyLosslessReel: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'adreel-reel-test-'));
    greyLosslessReel = path.join(dir, 'grey-lossless.mp4');
    await encodeHevc(streamOf(grey), greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings({ lossless: true }) });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const leftovers = async () => (await readdir(dir)).filter((name) => name.endsWith('.partial'));

  it('round-trips lossless grey bit-exactly, as 4:0:0 gray', async () => {
    const probe = await probeReel(greyLosslessReel);
    assert.deepEqual(probe, { frames: FRAME_COUNT, width: WIDTH, height: HEIGHT, codec: 'hevc', pixFmt: 'gray' });
    const decoded = await collect(decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1 }));
    assert.equal(decoded.length, FRAME_COUNT);
    decoded.forEach((frame, i) => assert.equal(frameSha256(frame), frameSha256(grey[i]!), `frame ${i} differs`));
    assert.deepEqual(await leftovers(), []);
  });

  it('round-trips lossless RGB bit-exactly through gbrp and reports progress', async () => {
    const reel = path.join(dir, 'rgb-lossless.mp4');
    const progress: number[] = [];
    const result = await encodeHevc(
      streamOf(rgb),
      reel,
      { width: WIDTH, height: HEIGHT, channels: 3, ...encoderSettings({ lossless: true }) },
      (done) => progress.push(done),
    );
    assert.equal(result.pixFmt, 'gbrp');
    assert.equal(result.frames, FRAME_COUNT);
    assert.equal(result.bytes, (await stat(reel)).size);
    assert.deepEqual(progress, Array.from({ length: FRAME_COUNT }, (_, i) => i + 1));
    assert.ok(result.ffmpegArgs.includes('hvc1') && result.ffmpegArgs.includes('+faststart'));
    const decoded = await collect(decodeHevc(reel, { width: WIDTH, height: HEIGHT, channels: 3 }));
    assert.equal(decoded.length, FRAME_COUNT);
    decoded.forEach((frame, i) => assert.deepEqual(frame.data, rgb[i]!.data, `frame ${i} differs`));
  });

  it('lossy grey: sane PSNR, and a higher CRF gives a smaller file with lower PSNR', async () => {
    const measure = async (crf: number) => {
      const reel = path.join(dir, `grey-crf${crf}.mp4`);
      const result = await encodeHevc(streamOf(grey), reel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings({ crf }) });
      const decoded = await collect(decodeHevc(reel, { width: WIDTH, height: HEIGHT, channels: 1 }));
      const meanPsnr = decoded.reduce((sum, frame, i) => sum + psnr(frame, grey[i]!), 0) / decoded.length;
      return { bytes: result.bytes, meanPsnr };
    };
    const fine = await measure(18);
    const coarse = await measure(40);
    assert.ok(fine.meanPsnr > 35 && fine.meanPsnr < 60, `CRF 18 PSNR ${fine.meanPsnr.toFixed(1)} dB`);
    assert.ok(coarse.meanPsnr > 20 && coarse.meanPsnr < fine.meanPsnr, `CRF 40 PSNR ${coarse.meanPsnr.toFixed(1)} dB`);
    assert.ok(coarse.bytes < fine.bytes, `CRF 40 ${coarse.bytes} B should be smaller than CRF 18 ${fine.bytes} B`);
  });

  it('lossy RGB with odd dimensions goes through yuv444p with sane PSNR', async () => {
    const odd = syntheticFrames(6, 97, 81, 3);
    const reel = path.join(dir, 'rgb-odd.mp4');
    const result = await encodeHevc(streamOf(odd), reel, { width: 97, height: 81, channels: 3, ...encoderSettings({ crf: 20 }) });
    assert.equal(result.pixFmt, 'yuv444p');
    const decoded = await collect(decodeHevc(reel, { width: 97, height: 81, channels: 3 }));
    assert.equal(decoded.length, 6);
    for (const [i, frame] of decoded.entries()) {
      const db = psnr(frame, odd[i]!);
      assert.ok(db > 33, `frame ${i} PSNR ${db.toFixed(1)} dB`);
    }
  });

  it('decodes an exact frame range', async () => {
    const decoded = await collect(
      decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1 }, { firstFrame: 7, frameCount: 5 }),
    );
    assert.deepEqual(
      decoded.map(frameSha256),
      grey.slice(7, 12).map(frameSha256),
    );
    const last = await collect(decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1 }, { firstFrame: 19 }));
    assert.deepEqual(last.map(frameSha256), [frameSha256(grey[19]!)]);
  });

  it('refuses a range beyond the end of the reel', async () => {
    await assert.rejects(
      collect(decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1 }, { firstFrame: 15, frameCount: 10 })),
      (error: unknown) => error instanceof IntegrityError && /has 20 frames, but frames 15\.\.24/.test(error.message),
    );
  });

  it('kills ffmpeg when the consumer breaks out early', async () => {
    let seen = 0;
    for await (const frame of decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 1 })) {
      assert.equal(frame.data.length, WIDTH * HEIGHT);
      seen += 1;
      if (seen === 2) {
        assert.equal(childFfmpegs().length, 1, 'ffmpeg should be running mid-decode');
        break;
      }
    }
    assert.equal(seen, 2);
    assert.deepEqual(childFfmpegs(), []);
  });

  it('turns a truncated reel into IntegrityError, in probe and in decode', async () => {
    const whole = await readFile(greyLosslessReel);
    const truncated = path.join(dir, 'truncated.mp4');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(probeReel(truncated), (error: unknown) => {
      assert.ok(error instanceof IntegrityError);
      assert.ok(error.message.startsWith(truncated), error.message);
      return true;
    });
    await assert.rejects(
      collect(decodeHevc(truncated, { width: WIDTH, height: HEIGHT, channels: 1 }, { frameCount: FRAME_COUNT })),
      IntegrityError,
    );
    await assert.rejects(probeReel(path.join(dir, 'missing.mp4')), /missing\.mp4: the reel cannot be read \(ENOENT\)/);
  });

  it('never passes corrupted reel bytes off as the original frames', async () => {
    // HEVC decoders do not detect every corruption (garbage can decode to garbage pixels without an error);
    // the guarantee is: an IntegrityError, or frames whose hashes differ from what was encoded (which the
    // manifest's decodedSha256 then catches).
    const bytes = Buffer.from(await readFile(greyLosslessReel));
    const start = Math.floor(bytes.length * 0.4);
    for (let i = start; i < start + 400; i++) bytes[i] = (i * 37) & 0xff;
    const corrupt = path.join(dir, 'corrupt.mp4');
    await writeFile(corrupt, bytes);
    try {
      const decoded = await collect(decodeHevc(corrupt, { width: WIDTH, height: HEIGHT, channels: 1 }));
      const changed = decoded.filter((frame, i) => frameSha256(frame) !== frameSha256(grey[i]!)).length;
      assert.ok(changed > 0 || decoded.length !== FRAME_COUNT, 'corruption went unnoticed');
    } catch (error) {
      assert.ok(error instanceof IntegrityError, String(error));
    }
  });

  it('refuses to decode with the wrong geometry', async () => {
    await assert.rejects(
      collect(decodeHevc(greyLosslessReel, { width: 80, height: 96, channels: 1 })),
      /frames are 96x80, expected 80x96/,
    );
    await assert.rejects(
      collect(decodeHevc(greyLosslessReel, { width: WIDTH, height: HEIGHT, channels: 3 })),
      /stores gray but colour frames were expected/,
    );
  });

  it('names the frame whose geometry does not match, and leaves no file behind', async () => {
    const reel = path.join(dir, 'mismatch.mp4');
    const frames = grey.slice(0, 5);
    frames[3] = syntheticFrame(3, WIDTH, HEIGHT + 1, 1);
    await assert.rejects(
      encodeHevc(streamOf(frames), reel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings() }),
      (error: unknown) => error instanceof EncoderError && /frame 3 is 96x81x1, but the reel is 96x80x1/.test(error.message),
    );
    await assert.rejects(stat(reel), { code: 'ENOENT' });
    assert.deepEqual(await leftovers(), []);
  });

  it('kills ffmpeg and cleans up when the frames iterable throws', async () => {
    const reel = path.join(dir, 'throws.mp4');
    async function* failing(): AsyncIterable<Image> {
      yield grey[0]!;
      yield grey[1]!;
      throw new Error('source image unreadable');
    }
    await assert.rejects(encodeHevc(failing(), reel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings() }), /source image unreadable/);
    await assert.rejects(stat(reel), { code: 'ENOENT' });
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(childFfmpegs(), []);
  });

  it('turns an ffmpeg failure into EncoderError quoting ffmpeg', async () => {
    const reel = path.join(dir, 'no-such-dir', 'reel.mp4');
    await assert.rejects(encodeHevc(streamOf(grey), reel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings() }), (error: unknown) => {
      assert.ok(error instanceof EncoderError);
      assert.match(error.message, /ffmpeg said:\n.*No such file or directory/s);
      return true;
    });
    assert.deepEqual(await leftovers(), []);
  });

  it('refuses x265 parameters that libx265 would silently ignore', async () => {
    const reel = path.join(dir, 'bogus-param.mp4');
    await assert.rejects(
      encodeHevc(streamOf(grey.slice(0, 3)), reel, { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings({ x265Params: 'no-such-knob=1' }) }),
      /libx265 rejected x265 parameters: Unknown option: no-such-knob/,
    );
    await assert.rejects(stat(reel), { code: 'ENOENT' });
    assert.deepEqual(await leftovers(), []);
  });

  it('checks the geometry before starting ffmpeg (user options were checked by options.ts: test/unit/compress/options.test.ts)', async () => {
    const reel = path.join(dir, 'invalid.mp4');
    const base: EncodeOptions = { width: WIDTH, height: HEIGHT, channels: 1, ...encoderSettings() };
    const cases: [Partial<EncodeOptions>, RegExp][] = [
      [{ width: 0 }, /width must be a positive integer/],
      [{ channels: 2 as 1 }, /channels must be 1 or 3/],
      [{ gop: 0 }, /gop must be a positive integer/],
    ];
    for (const [override, message] of cases) {
      await assert.rejects(encodeHevc(streamOf([]), reel, { ...base, ...override }), message);
    }
    await assert.rejects(encodeHevc(streamOf([]), reel, base), /no frames to encode/);
    assert.deepEqual(await leftovers(), []);
  });

  it('gives the same bytes for the same pinned thread count', async () => {
    const opts: EncodeOptions = { width: WIDTH, height: HEIGHT, channels: 3, ...encoderSettings({ crf: 30, threads: 1 }), gop: 8 };
    const a = path.join(dir, 'pinned-a.mp4');
    const b = path.join(dir, 'pinned-b.mp4');
    const resultA = await encodeHevc(streamOf(rgb.slice(0, 10)), a, opts);
    await encodeHevc(streamOf(rgb.slice(0, 10)), b, opts);
    assert.ok(resultA.ffmpegArgs.some((arg) => arg.includes('pools=1') && arg.includes('keyint=8')));
    assert.equal(sha256(await readFile(a)), sha256(await readFile(b)));
  });
});
