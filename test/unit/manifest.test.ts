import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntegrityError } from '../../lambdas/ground/errors.ts';
import {
  MANIFEST_SCHEMA,
  MANIFEST_VERSION,
  parseManifest,
  serializeManifest,
  type FrameRecord,
  type Manifest,
} from '../../lambdas/core/manifest.ts';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

function frame(index: number, name: string): FrameRecord {
  return {
    index,
    name,
    stem: name.replace(/\.[^.]*$/, ''),
    source: { width: 1024, height: 1024, mode: 'grey', format: 'png', bitDepth: 8, hadAlpha: false, bytes: 1000 + index, sha256: HEX_A },
    transform: [1, 0, 2.5, 0, 1, -3],
    alignment: { score: 0.93, silhouetteIou: 0.97, ncc: 0.88, method: 'moments+ecc', ok: true },
    decodedSha256: HEX_B,
  };
}

function validManifest(): Manifest {
  return {
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    createdAt: '2024-05-01T12:00:00.000Z',
    tool: { name: 'adreel', version: '0.1.0' },
    dataset: { id: HEX_A, inputBytes: 3003, frameCount: 3, sourceLayout: 'folder' },
    frame: { width: 1024, height: 1024, mode: 'grey', crop: { x: 100, y: 50, width: 800, height: 900 } },
    reference: { name: '000.png', file: 'reference.png', sha256: HEX_A, maskFile: 'reference-mask.png', maskSha256: HEX_B },
    mask: { file: 'mask.png', sha256: HEX_B, marginPx: 8, unionFraction: 0.41 },
    alignment: { enabled: true, segmenter: { kind: 'threshold', reason: 'no model given' }, onFailure: 'fail' },
    codec: {
      encoder: 'libx265',
      ffmpeg: { version: '5.1.9', source: 'PATH' },
      crf: 28,
      lossless: false,
      preset: 'medium',
      x265Params: '',
      pixFmt: 'gray',
      container: 'mp4',
    },
    reels: [
      { file: 'reel.mp4', bytes: 5000, sha256: HEX_B, firstFrame: 0, frameCount: 2 },
      { file: 'reel-1.mp4', bytes: 2500, sha256: HEX_A, firstFrame: 2, frameCount: 1 },
    ],
    frames: [frame(0, '000.png'), frame(1, '001.png'), frame(2, '002.png')],
    dropped: [{ name: '003.png', reason: 'alignment failed' }],
    warnings: ['one warning'],
  };
}

/** Asserts parseManifest refuses `json` with an IntegrityError whose message matches every pattern. */
function assertRefused(json: unknown, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseManifest(json, 'out/manifest.json'),
    (error: unknown) => {
      assert.ok(error instanceof IntegrityError, String(error));
      assert.ok(error.message.startsWith('out/manifest.json: '), error.message);
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('manifest', () => {
  it('round-trips a valid manifest through 2-space JSON with a trailing newline', () => {
    const manifest = validManifest();
    const text = serializeManifest(manifest);
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n  "schema": "adreel.manifest",\n  "version": 1,'));
    assert.deepEqual(parseManifest(JSON.parse(text), 'manifest.json'), manifest);
  });

  it('accepts --no-mask, no alignment and a lossless reel', () => {
    const manifest = validManifest();
    manifest.mask = null;
    manifest.alignment = { enabled: false, segmenter: null, onFailure: 'keep' };
    manifest.frame.crop = null;
    manifest.codec = { ...manifest.codec, lossless: true, crf: null };
    manifest.frames = manifest.frames.map((f) => ({ ...f, transform: null, alignment: null }));
    assert.deepEqual(parseManifest(JSON.parse(serializeManifest(manifest)), 'm.json'), manifest);
  });

  for (const [bad, why] of [
    ['..', /frames\[1\]\.name: "\.\." is not a safe file name: it is the special directory name/],
    ['.', /frames\[1\]\.name: "\." is not a safe file name/],
    ['sub/001.png', /frames\[1\]\.name: "sub\/001\.png" is not a safe file name: it contains a path separator/],
    ['..\\001.png', /frames\[1\]\.name: .* contains a path separator/],
    ['', /frames\[1\]\.name: "" is not a safe file name: it is empty/],
    ['a\u0000b.png', /frames\[1\]\.name: .* contains a NUL character/],
  ] as const) {
    it(`refuses the frame name ${JSON.stringify(bad)}`, () => {
      const manifest = validManifest();
      manifest.frames[1]!.name = bad;
      assertRefused(manifest, why);
    });
  }

  it('refuses an unsafe reel file name', () => {
    const manifest = validManifest();
    manifest.reels[0]!.file = '../reel.mp4';
    assertRefused(manifest, /reels\[0\]\.file: "\.\.\/reel\.mp4" is not a safe file name/);
  });

  it('refuses names that differ only in letter case, naming both', () => {
    const manifest = validManifest();
    manifest.frames[2] = frame(2, '000.PNG');
    assertRefused(
      manifest,
      /frames\[2\]\.name: "000\.PNG" collides with frames\[0\]\.name "000\.png" \(names must differ even when letter case is ignored\)/,
    );
  });

  it('refuses a missing field, naming its path', () => {
    const manifest = validManifest() as unknown as { frames: Record<string, unknown>[]; codec: Record<string, unknown> };
    delete manifest.frames[1]!.decodedSha256;
    delete manifest.codec.preset;
    assertRefused(manifest, /2 problems/, /frames\[1\]\.decodedSha256: /, /codec\.preset: /);
  });

  it('refuses another version or a foreign file with one clear sentence', () => {
    assertRefused({ ...validManifest(), version: 2 }, /manifest version 2 is not supported: this adreel reads version 1/);
    assertRefused({ name: 'package' }, /not an adreel manifest: "schema" is undefined, expected "adreel\.manifest"/);
    assertRefused([1, 2], /not an adreel manifest: expected a JSON object/);
  });

  it('refuses inconsistent counts, indices and reel ranges', () => {
    const countOff = validManifest();
    countOff.dataset.frameCount = 4;
    assertRefused(countOff, /dataset\.frameCount: is 4 but the manifest lists 3 frames/);

    const indexOff = validManifest();
    indexOff.frames[2]!.index = 5;
    assertRefused(indexOff, /frames\[2\]\.index: is 5, expected 2/);

    const gap = validManifest();
    gap.reels[1]!.firstFrame = 3;
    assertRefused(gap, /reels\[1\]\.firstFrame: is 3, expected 2/, /reels: cover frames 0\.\.3, but the manifest lists 3 frames/);
  });

  it('refuses a crop outside the frame, a crf on a lossless reel and a bad digest', () => {
    const manifest = validManifest();
    manifest.frame.crop = { x: 300, y: 0, width: 800, height: 100 };
    manifest.codec.lossless = true;
    manifest.reference.sha256 = 'ABC';
    assertRefused(
      manifest,
      /frame\.crop: 800x100 at \(300,0\) reaches outside the 1024x1024 frame/,
      /codec\.crf: must be null for a lossless reel/,
      /reference\.sha256: expected a SHA-256 digest/,
    );
  });

  it('refuses unknown keys (a typo must not be silently dropped)', () => {
    const manifest = { ...validManifest(), warnigns: [] };
    assertRefused(manifest, /warnigns/);
  });

  it('refuses to serialize an invalid manifest', () => {
    const manifest = validManifest();
    manifest.frames[0]!.name = 'a/b.png';
    assert.throws(() => serializeManifest(manifest), IntegrityError);
  });
});
