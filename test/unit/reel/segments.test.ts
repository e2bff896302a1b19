// Segment planning: fixed frames per segment, one segment for a small dataset, the automatic length from the
// measured encode speed, file names, and the pool that runs segments in parallel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  autoSegmentFrames,
  MAX_SEGMENT_FRAMES,
  MEASURED_ENCODE_MPIXELS_PER_SECOND,
  MIN_SEGMENT_FRAMES,
  planSegments,
  SEGMENT_TARGET_SECONDS,
  segmentsFor,
} from '../../../lambdas/core/reel/segments.ts';
import { mapPool } from '../../../lambdas/core/map-pool.ts';

const base = { width: 512, height: 512, channels: 1 as const, preset: 'medium' as const, lossless: false };

describe('reel segments', () => {
  it('a small dataset is one segment named reel.mp4', () => {
    assert.deepEqual(planSegments({ ...base, frameCount: 10, segmentFrames: 0 }), [{ index: 0, file: 'reel.mp4', firstFrame: 0, frameCount: 10 }]);
    assert.deepEqual(planSegments({ ...base, frameCount: 10, segmentFrames: 10 }).map((s) => s.file), ['reel.mp4']);
  });

  it('fixed frames per segment, the last one holds the remainder, files reel-000.mp4 ...', () => {
    const plan = planSegments({ ...base, frameCount: 10, segmentFrames: 4 });
    assert.deepEqual(plan, [
      { index: 0, file: 'reel-000.mp4', firstFrame: 0, frameCount: 4 },
      { index: 1, file: 'reel-001.mp4', firstFrame: 4, frameCount: 4 },
      { index: 2, file: 'reel-002.mp4', firstFrame: 8, frameCount: 2 },
    ]);
    assert.deepEqual(segmentsFor(plan, 3, 4), [0, 1]);
    assert.deepEqual(segmentsFor(plan, 5, 6), [1]);
    assert.deepEqual(segmentsFor(plan, 0, 9), [0, 1, 2]);
  });

  it('auto: frames that encode in the target time at the measured speed, within bounds, a multiple of 8', () => {
    // 1024x1024 grey at medium: 120 s x 2.0 Mpx/s / 1.048576 Mpx = 228.9 -> 224
    const screw = autoSegmentFrames({ ...base, width: 1024, height: 1024 });
    assert.equal(screw, Math.floor((SEGMENT_TARGET_SECONDS * MEASURED_ENCODE_MPIXELS_PER_SECOND) / 1.048576 / 8) * 8);
    assert.equal(screw % 8, 0);
    assert.ok(autoSegmentFrames({ ...base, width: 1024, height: 1024, channels: 3 }) < screw, 'colour 4:4:4 is three planes');
    assert.ok(autoSegmentFrames({ ...base, width: 1024, height: 1024, preset: 'slow' }) < screw);
    assert.ok(autoSegmentFrames({ ...base, width: 1024, height: 1024, lossless: true }) < screw);
    assert.equal(autoSegmentFrames({ ...base, width: 128, height: 128 }), MAX_SEGMENT_FRAMES);
    assert.equal(autoSegmentFrames({ ...base, width: 8000, height: 8000, preset: 'placebo' }), MIN_SEGMENT_FRAMES);
    assert.equal(planSegments({ ...base, width: 128, height: 128, frameCount: 5000, segmentFrames: 0 }).length, 5);
  });

  it('refuses an empty reel and a negative length', () => {
    assert.throws(() => planSegments({ ...base, frameCount: 0, segmentFrames: 0 }), RangeError);
    assert.throws(() => planSegments({ ...base, frameCount: 3, segmentFrames: -1 }), RangeError);
  });

  it('mapPool: keeps input order, runs at most `concurrency` at once, rejects with the first error after the others settle', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapPool([5, 1, 3, 2], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, x * 3));
      running--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 30, 20]);
    assert.equal(peak, 2);
    let settled = 0;
    await assert.rejects(
      mapPool([1, 2, 3], 3, async (x) => {
        await new Promise((r) => setTimeout(r, x * 5));
        settled++;
        if (x === 1) throw new Error('boom');
        return x;
      }),
      /boom/,
    );
    assert.equal(settled, 3, 'no task is left running');
  });
});
