import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntegrityError } from '../../lambdas/ground/errors.ts';
import {
  MANIFEST_SCHEMA,
  MANIFEST_VERSION,
  manifestDigest,
  parseManifest,
  parseManifestFile,
  serializeManifest,
  storedAlignment,
  storedTransform,
  type FrameRecord,
  type Manifest,
} from '../../lambdas/core/manifest.ts';
import { createHash } from 'node:crypto';
import { MANIFEST_FILE_MAGIC, packManifest, packManifestFile, unpackManifest, unpackManifestFile, z85Decode, z85Encode } from '../../lambdas/core/manifest-pack.ts';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

function frame(index: number, name: string): FrameRecord {
  return {
    index,
    name,
    stem: name.replace(/\.[^.]*$/, ''),
    source: { width: 1024, height: 1024, mode: 'grey', format: 'png', bitDepth: 8, hadAlpha: false },
    transform: [1, 0, 2.5, 0, 1, -3],
    alignment: { score: 0.93, silhouetteIou: 0.97, ncc: 0.88, method: 'moments+ecc', ok: true },
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
      { file: 'reel.mp4', bytes: 5000, sha256: HEX_B, firstFrame: 0, frameCount: 2, framesSha256: HEX_A },
      { file: 'reel-1.mp4', bytes: 2500, sha256: HEX_A, firstFrame: 2, frameCount: 1, framesSha256: HEX_B },
    ],
    frames: [frame(0, '000.png'), frame(1, '001.png'), frame(2, '002.png')],
    dropped: [{ name: '003.png', reason: 'alignment failed' }],
    warnings: ['one warning'],
  };
}

/**
 * `m` with a correct digest, so that parsing reaches the schema checks; as a plain version 2 document (the schema
 * checks are the same for the unpacked v3/v4 document, and a v2 file can carry what a packer would refuse to write).
 */
function sealed(m: unknown): unknown {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return m;
  const v2 = 'version' in m && (m as { version: unknown }).version === MANIFEST_VERSION ? asVersion2(m as Manifest) : m;
  return { ...(v2 as object), digest: manifestDigest(JSON.parse(JSON.stringify(v2))) };
}

/** A v4 manifest as the v2 document it would have been (v2 also keeps each source's bytes). */
function asVersion2(m: Manifest): unknown {
  return { ...m, version: 2, frames: m.frames.map((f) => (f && typeof f === 'object' && f.source ? { ...f, source: { ...f.source, bytes: 1000 } } : f)) };
}

/** Asserts parseManifest refuses `json` (sealed with a correct digest) with an IntegrityError whose message matches every pattern. */
function assertRefused(json: unknown, ...patterns: RegExp[]): void {
  assertRefusedAsIs(sealed(json), ...patterns);
}

function assertRefusedAsIs(json: unknown, ...patterns: RegExp[]): void {
  assertThrowsNaming(() => parseManifest(json, 'out/manifest.json'), 'out/manifest.json', ...patterns);
}

/** Asserts parseManifestFile refuses the bytes of a binary manifest file, naming it. */
function assertFileRefused(bytes: Buffer, ...patterns: RegExp[]): void {
  assertThrowsNaming(() => parseManifestFile(bytes, 'binary', 'out/manifest.bin'), 'out/manifest.bin', ...patterns);
}

/** A version 3 file (JSON envelope) of `m`, as the v3 code wrote it. */
function asVersion3(m: Manifest): unknown {
  const { digest: _d, ...body } = JSON.parse(JSON.stringify({ ...m, version: 3 }));
  return packManifest({ ...body, digest: manifestDigest(body) });
}

/** The document inside a v4 file, edited by `edit`, packed again with its old digest (what an editor would write). */
function edited(bytes: Buffer, edit: (m: Manifest) => void): Buffer {
  const doc = unpackManifestFile(bytes, 'm.bin') as unknown as Manifest;
  edit(doc);
  return packManifestFile(doc as unknown as Record<string, unknown>);
}

function assertThrowsNaming(f: () => unknown, file: string, ...patterns: RegExp[]): void {
  assert.throws(
    f,
    (error: unknown) => {
      assert.ok(error instanceof IntegrityError, String(error));
      assert.ok(error.message.startsWith(`${file}: `), error.message);
      assert.equal(error.message.includes('\n    at '), false, 'no stack');
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('manifest', () => {
  it('round-trips a valid manifest through the binary v4 file: a header line, the payload sha256, the brotli bytes', () => {
    const manifest = validManifest();
    const bytes = serializeManifest(manifest);
    const header = `${MANIFEST_FILE_MAGIC}4\n`;
    assert.equal(bytes.subarray(0, header.length).toString('latin1'), 'adreel.manifest 4\n');
    const payload = bytes.subarray(header.length + 32);
    assert.deepEqual(bytes.subarray(header.length, header.length + 32), createHash('sha256').update(payload).digest());
    const parsed = parseManifestFile(bytes, 'binary', 'manifest.bin');
    assert.equal(parsed.version, 4);
    assert.match(parsed.digest ?? '', /^[0-9a-f]{64}$/);
    const { digest: _d, ...rest } = parsed;
    assert.deepEqual(rest, manifest);
  });

  it('v4 is the v3 packed bytes without the text encoding: smaller than the v3 file by about a fifth', () => {
    const manifest = validManifest();
    const v4 = serializeManifest(manifest);
    const v3 = Buffer.from(`${JSON.stringify(asVersion3(manifest))}\n`);
    const z85 = (JSON.parse(v3.toString()) as { document: string }).document;
    // the same document but for its version number: the brotli bytes may differ by a byte or two
    const framing = `${MANIFEST_FILE_MAGIC}4\n`.length + 32;
    assert.ok(Math.abs(v4.length - framing - z85Decode(z85)!.length) <= 4, `v4 payload ${v4.length - framing} B, v3's bytes ${z85Decode(z85)!.length} B`);
    assert.ok(v4.length < v3.length, `v4 ${v4.length} B, v3 ${v3.length} B`);
  });

  it('refuses every single damaged byte of a v4 file (header, sha256, payload), naming the file in one line', () => {
    const bytes = serializeManifest(validManifest());
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const damaged = Buffer.from(bytes);
        damaged[i] ^= mask;
        assert.throws(() => parseManifestFile(damaged, 'binary', 'out/manifest.bin'), (error: unknown) => {
          assert.ok(error instanceof IntegrityError, `byte ${i}: ${String(error)}`);
          assert.ok(error.message.startsWith('out/manifest.bin: '), error.message);
          assert.equal(error.message.includes('\n'), false, `byte ${i}: one line: ${error.message}`);
          return true;
        }, `byte ${i} ^ ${mask} was accepted`);
      }
    }
  });

  it('refuses a truncated, extended or mislabelled v4 file', () => {
    const bytes = serializeManifest(validManifest());
    assertFileRefused(bytes.subarray(0, bytes.length - 1), /sha256 .* differs from the header's .*truncated, edited or damaged/);
    assertFileRefused(bytes.subarray(0, 30), /too short for a version 4 manifest/);
    assertFileRefused(Buffer.concat([bytes, Buffer.from([0])]), /sha256 .* differs from the header's/);
    assertFileRefused(Buffer.from('{"schema":"adreel.manifest","version":4}'), /a binary manifest starts with the line "adreel\.manifest <version>"/);
    assertFileRefused(Buffer.concat([Buffer.from('adreel.manifest 5\n'), bytes.subarray(18)]), /manifest version 5 is not supported: this adreel reads versions 1, 2, 3, 4/);
    assertFileRefused(Buffer.concat([Buffer.from('adreel.manifest 3\n'), bytes.subarray(18)]), /a version 3 manifest is JSON, never binary/);
    // a file whose header and document disagree on the version (both sealed)
    const { digest: _d, ...body } = JSON.parse(JSON.stringify({ ...validManifest(), version: 2 }));
    const v2inside = packManifestFile({ ...body, digest: manifestDigest(body) });
    assertFileRefused(Buffer.concat([Buffer.from('adreel.manifest 4\n'), v2inside.subarray(18)]), /the header says "adreel\.manifest" version 4 but the document "adreel\.manifest" version 2/);
    // JSON of a binary version, and the binary form offered as JSON
    assertRefusedAsIs({ schema: MANIFEST_SCHEMA, version: 4 }, /a version 4 manifest is a binary file, never JSON/);
    assertThrowsNaming(() => parseManifestFile(bytes, 'json', 'out/manifest.json'), 'out/manifest.json', /not valid JSON .*truncated or damaged/);
  });

  it('still reads a v3 file (JSON envelope) of the same document', () => {
    const manifest = validManifest();
    const parsed = parseManifest(asVersion3(manifest), 'manifest.json');
    assert.equal(parsed.version, 3);
    const { digest: _d, version: _v, ...rest } = parsed;
    const { version: _w, ...expected } = manifest;
    assert.deepEqual(rest, expected);
  });

  it('packs losslessly: a general affine, a frame without transform or alignment, an outlier, an EXIF orientation', () => {
    const manifest = validManifest();
    manifest.frames[0] = { ...manifest.frames[0]!, transform: [1.00001, 0.02, 3.25, -0.01, 0.99, -4.5], source: { ...manifest.frames[0]!.source, exifOrientation: 6 } };
    manifest.frames[1] = { ...manifest.frames[1]!, stem: 'not-its-name', transform: null, alignment: null };
    manifest.frames[2] = { ...manifest.frames[2]!, alignment: { ...manifest.frames[2]!.alignment!, ok: false, outlier: { value: 0.5, margin: -0.25 } } };
    const { digest: _d, ...rest } = parseManifestFile(serializeManifest(manifest), 'binary', 'm.bin');
    assert.deepEqual(rest, manifest);
  });

  it('a similarity transform is stored as four columns, and packing shrinks a large manifest to a few bytes per frame', () => {
    const manifest = validManifest();
    const n = 320;
    manifest.frames = Array.from({ length: n }, (_, i) => {
      const angle = (i * 2.399) % (2 * Math.PI);
      const t = storedTransform([Math.cos(angle), -Math.sin(angle), 100 + i * 1.37, Math.sin(angle), Math.cos(angle), -50 + i * 0.71]);
      const base = frame(i, `${String(i).padStart(3, '0')}.png`);
      return { ...base, transform: t, alignment: storedAlignment({ ...base.alignment!, score: 0.7 + (i % 17) / 100 }) };
    });
    manifest.dataset.frameCount = n;
    manifest.dropped = [];
    manifest.reels = [{ ...manifest.reels[0]!, frameCount: n }];
    const bytes = serializeManifest(manifest);
    const doc = JSON.parse(JSON.stringify(unpackManifestFile(bytes, 'm.bin')));
    assert.deepEqual(doc.frames[5].transform, manifest.frames[5]!.transform);
    const plain = JSON.stringify(asVersion2(manifest));
    assert.ok(bytes.length < plain.length / 5, `packed ${bytes.length} B vs plain ${plain.length} B`);
  });

  it('Z85: the spec\'s example, and every length round-trips (a last partial group takes n + 1 characters)', () => {
    assert.equal(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), 'HelloWorld');
    for (let n = 0; n < 13; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n * 31 + 255) % 256));
      const text = z85Encode(bytes);
      assert.equal(text.length, Math.floor(n / 4) * 5 + (n % 4 ? (n % 4) + 1 : 0));
      assert.deepEqual(z85Decode(text), bytes);
    }
    assert.deepEqual(z85Decode(z85Encode(Buffer.from([0xff, 0xff, 0xff]))), Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(z85Decode('abcdef'), undefined, 'a lone last character');
    assert.equal(z85Decode('ab"cd'), undefined);
    assert.equal(z85Decode('#####'), undefined, 'above 2^32');
  });

  it('stores transforms and alignment figures rounded, and rounding twice changes nothing', () => {
    const t = storedTransform([0.123456789, -0.987654321, 12.3456, 0.987654321, 0.123456789, -0.004]);
    assert.deepEqual(t, [0.12346, -0.98765, 12.35, 0.98765, 0.12346, 0]);
    assert.deepEqual(storedTransform(t), t);
    const a = storedAlignment({ score: 0.123456, silhouetteIou: 0.99999, ncc: -0.00001, method: 'm', ok: true, outlier: { value: 0.33333, margin: -0.066666 } });
    assert.deepEqual(a, { score: 0.123, silhouetteIou: 1, ncc: 0, method: 'm', ok: true, outlier: { value: 0.333, margin: -0.067 } });
  });

  it('refuses a damaged or inconsistent v3 envelope, naming the file', () => {
    const envelope = asVersion3(validManifest()) as Record<string, unknown>;
    const doc = envelope.document as string;
    assertRefusedAsIs({ ...envelope, document: doc.slice(0, 5 * Math.floor(doc.length / 10)) }, /"document" does not unpack .*damaged/);
    assertRefusedAsIs({ ...envelope, document: `${doc.slice(0, 40)}~${doc.slice(41)}` }, /"document" is not Z85 text/);
    assertRefusedAsIs({ ...envelope, encoding: 'gzip' }, /"encoding" is "gzip", expected "brotli-z85"/);
    assertRefusedAsIs({ ...envelope, note: 'x' }, /unexpected top-level field\(s\) note/);
    const inner = unpackManifest(envelope, 'm.json');
    assertRefusedAsIs({ ...packManifest({ ...inner, version: 2 }), version: 3 }, /the envelope says "adreel\.manifest" version 3 but the document "adreel\.manifest" version 2/);
    const { digest: _d, ...unsealed } = inner;
    assertRefusedAsIs(packManifest(unsealed), /has no "digest": a version 3 manifest always carries one/);
  });

  it('the digest does not depend on key order or whitespace', () => {
    const manifest = validManifest();
    const reordered = Object.fromEntries(Object.entries(manifest).reverse());
    assert.equal(manifestDigest(reordered), manifestDigest(manifest));
    assert.equal(manifestDigest(JSON.parse(JSON.stringify(manifest, null, 4))), manifestDigest(manifest));
  });

  // Issue 10, found 4: each of these edits left a v1 manifest "intact"; the digest refuses every one.
  for (const [what, edit] of [
    ['two frames\' names and stems swapped', (m: Manifest) => {
      [m.frames[0]!.name, m.frames[1]!.name] = [m.frames[1]!.name, m.frames[0]!.name];
      [m.frames[0]!.stem, m.frames[1]!.stem] = [m.frames[1]!.stem, m.frames[0]!.stem];
    }],
    ['a stem renamed', (m: Manifest) => { m.frames[2]!.stem = 'other'; }],
    ['the last frame dropped with the counts lowered', (m: Manifest) => {
      m.frames.pop();
      m.dataset.frameCount = 2;
      m.reels.pop();
    }],
    ['a transform edited', (m: Manifest) => { m.frames[1]!.transform![2] = 3.5; }],
    ['the crf edited', (m: Manifest) => { m.codec.crf = 51; }],
    ['the crop edited', (m: Manifest) => { m.frame.crop!.x = 101; }],
    ['a segment digest edited', (m: Manifest) => { m.reels[0]!.framesSha256 = HEX_B; }],
    ['a field added (as a later version might)', (m: Manifest) => { (m as unknown as Record<string, unknown>).extra = 1; }],
  ] as const) {
    it(`refuses a manifest whose digest no longer matches: ${what}`, () => {
      const digestOff = /content digest [0-9a-f]{16}\.\.\. differs from the recorded "digest" .*: the manifest was edited or damaged/;
      assertFileRefused(edited(serializeManifest(validManifest()), edit), digestOff);
      const json = unpackManifest(asVersion3(validManifest()), 'm.json') as unknown as Manifest;
      edit(json);
      assertRefusedAsIs(packManifest(json as unknown as Record<string, unknown>), digestOff);
    });
  }

  it('refuses a version 2 manifest without a digest', () => {
    assertRefusedAsIs({ ...validManifest(), version: 2 }, /has no "digest": a version 2 manifest/);
  });

  it('accepts --no-mask, no alignment and a lossless reel', () => {
    const manifest = validManifest();
    manifest.mask = null;
    manifest.alignment = { enabled: false, segmenter: null, onFailure: 'keep' };
    manifest.frame.crop = null;
    manifest.codec = { ...manifest.codec, lossless: true, crf: null };
    manifest.frames = manifest.frames.map((f) => ({ ...f, transform: null, alignment: null }));
    const { digest: _d, ...rest } = parseManifestFile(serializeManifest(manifest), 'binary', 'm.bin');
    assert.deepEqual(rest, manifest);
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
    delete manifest.frames[1]!.stem;
    delete manifest.codec.preset;
    assertRefused(manifest, /2 problems/, /frames\[1\]\.stem: /, /codec\.preset: /);
  });

  it('refuses another version or a foreign file with one clear sentence', () => {
    assertRefused({ ...validManifest(), version: 5 }, /manifest version 5 is not supported: this adreel reads versions 1, 2, 3, 4/);
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
