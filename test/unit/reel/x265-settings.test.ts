// x265's settings SEI read back from a real encode, and the comparison of requested and effective settings.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encoderSettings } from '../../../lambdas/core/compress/options.ts';
import { combineSegments, type EncodedSegment } from '../../../lambdas/core/compress/encode.ts';
import { encodeHevc, x265Request, type EncodeOptions } from '../../../lambdas/core/reel/encode.ts';
import { effectiveSettings, parseX265Settings, readX265Settings, type X265Settings } from '../../../lambdas/core/reel/x265-settings.ts';
import { streamOf, syntheticFrames } from './synthetic-frames.ts';

const W = 64;
const H = 48;

describe('x265 effective settings', () => {
  let dir: string;
  let reel: string;
  let settings: X265Settings;
  const opts: EncodeOptions = { width: W, height: H, channels: 1, closedGop: true, ...encoderSettings({ crf: 30, preset: 'ultrafast', threads: 2, x265Params: 'aq-mode=1:psy-rd=1.5:no-sao=1' }) };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'adreel-x265-settings-'));
    reel = path.join(dir, 'reel.mp4');
    await encodeHevc(streamOf(syntheticFrames(3, W, H, 1)), reel, opts);
    settings = await readX265Settings(reel);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reads what x265 ran with from the reel: crf, fps, threads, closed GOPs, the extra keys as x265 printed them', () => {
    const e = effectiveSettings(settings, x265Request(opts), reel);
    assert.match(e.x265, /^\d+\.\d+/);
    assert.deepEqual(
      { rc: e.rc, crf: e.crf, lossless: e.lossless, bitDepth: e.bitDepth, csp: e.csp, fps: e.fps, openGop: e.openGop, frameThreads: e.frameThreads, pools: e.pools },
      { rc: 'crf', crf: 30, lossless: false, bitDepth: 8, csp: 'i400', fps: opts.rateFps, openGop: false, frameThreads: 2, pools: '2' },
    );
    assert.deepEqual(e.params, { 'aq-mode': '1', 'psy-rd': '1.50', sao: '0' });
  });

  it('refuses, in one line, a reel whose rate control, fps or an extra key differ from the request', () => {
    const edited = (key: string, value: string): X265Settings => ({ version: settings.version, options: new Map([...settings.options, [key, value]]) });
    const refused = (s: X265Settings, message: RegExp) =>
      assert.throws(() => effectiveSettings(s, x265Request(opts), reel), (e: Error) => {
        assert.match(e.message, message);
        assert.equal(e.message.includes('\n'), false);
        return true;
      });
    refused(edited('crf', '28.0'), /reel\.mp4: x265 ran with settings other than requested: rate control crf=28 \(asked crf=30\)/);
    refused(edited('fps', '1/1'), /fps 1\/1 \(asked 25\)/);
    refused(edited('aq-mode', '2'), /aq-mode 2 \(asked 1\)/);
    refused(edited('sao', '1'), /sao 1 \(asked 0\)/);
    refused(edited('lossless', '1'), /lossless true \(asked false\)/);
    refused(edited('numa-pools', '4'), /numa-pools 4 \(asked 2\)/);
  });

  it('parses flags, no-flags and x265 3.5\'s missing space before conformance-window-offsets', () => {
    const s = parseX265Settings('x265 (build 199) - 3.5+1-abc:[Linux][GCC 12] 8bit - H.265/HEVC codec - options: wpp no-sao crf=28.0 scenecut-aware-qp=0conformance-window-offsets right=0');
    assert.equal(s.version, '3.5+1-abc');
    assert.deepEqual([...s.options], [['wpp', '1'], ['sao', '0'], ['crf', '28.0'], ['scenecut-aware-qp', '0'], ['conformance-window-offsets', '1'], ['right', '0']]);
    assert.throws(() => parseX265Settings('not x265'), /unrecognised x265 settings message/);
  });

  it('a reel\'s segments must share one record: different settings are refused naming the setting', () => {
    const e = effectiveSettings(settings, x265Request(opts), reel);
    const segment = (index: number, frameThreads: number): EncodedSegment => ({
      index, file: `reel-${index}.mp4`, firstFrame: index, frameCount: 1, entryIndices: [index], bytes: 1, sha256: '0'.repeat(64), pixFmt: 'gray',
      ffmpeg: { version: '5', source: 'PATH' }, effective: { ...e, frameThreads }, decodedSha256: ['0'.repeat(64)], psnrDb: [40], seconds: { encode: 0, decode: 0 },
    });
    assert.deepEqual(combineSegments([segment(0, 2), segment(1, 2)]).effective, { ...e, frameThreads: 2 });
    assert.throws(() => combineSegments([segment(0, 2), segment(1, 3)]), /reel-1\.mp4: segment 1 ran with x265 frameThreads 3, segment 0 with 2: .*--threads N/);
  });
});
