// The manifest: everything needed to trust, restore and transform a reel, as a versioned document checked by zod.
// Names inside it become file names on restore, so every name must be a single safe path segment and names
// must stay distinct on case-insensitive file systems.
// Version 4 (written now) holds the same document as versions 2 and 3, packed as in version 3 (per-frame records as
// columns, brotli: lambdas/core/manifest-pack.ts) but stored as a binary file (manifest.bin: a header line, the
// payload's sha256, the brotli bytes), not as Z85 text in JSON, which added 25%.
// Version 3: the packed document in a one-line JSON envelope {schema, version, encoding, document} (manifest.json).
// Transforms are stored rounded (storedTransform: compress warps with the rounded matrix, so the stored transform is
// the one used) and alignment figures to FIGURE_DECIMALS.
// Version 2: compact JSON (no indentation), one digest of the decoded frames per reel segment instead of one per
// frame, no per-frame source sha256 (dataset.id covers the inputs), and `digest`: the sha256 of the canonical
// serialization of the whole manifest without `digest`, so an edit of any field (present or added later) is
// detected. In v3 and v4 the digest is over the same unpacked document, so packing cannot hide an edit. Versions 1
// (per-frame decodedSha256, no digest), 2 and 3 are still read: users may have deleted the originals.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { decisionsSchema } from './decide/schema.ts';
import { IntegrityError } from '../ground/errors.ts';
import { CrfSchema } from './compress/options.ts';
import { PoseSummarySchema } from './pose/summary.ts';
import { MANIFEST_SCHEMA, manifestFileVersion, packManifestFile, unpackManifest, unpackManifestFile } from './manifest-pack.ts';
import { EffectiveX265Schema } from './reel/x265-settings.ts';

export { MANIFEST_SCHEMA };
/** the version written (a binary file) */
export const MANIFEST_VERSION = 4;
/** the versions read */
export const MANIFEST_VERSIONS_READ = [1, 2, 3, 4] as const;
/** the versions stored as JSON (manifest.json); later ones are binary files (manifest.bin) */
export const MANIFEST_JSON_VERSIONS = [1, 2, 3] as const;

/**
 * Decimals a transform is stored with: the linear part to 1e-5 (0.01 px over a 1,000 px frame), the translation to
 * 0.01 px. Compress rounds each transform with storedTransform before warping with it.
 */
export const TRANSFORM_DECIMALS = { linear: 5, translation: 2 } as const;
/** Decimals of the per-frame alignment figures (score, silhouette IoU, NCC, outlier value/margin): diagnostics only. */
export const FIGURE_DECIMALS = 3;

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r; // no -0
}

/** A source -> reference transform at the precision the manifest stores. */
export function storedTransform(m: readonly number[]): [number, number, number, number, number, number] {
  const { linear, translation } = TRANSFORM_DECIMALS;
  return [roundTo(m[0], linear), roundTo(m[1], linear), roundTo(m[2], translation), roundTo(m[3], linear), roundTo(m[4], linear), roundTo(m[5], translation)];
}

/** Every number in `value` (the decisions' per-sample evidence: diagnostics) to FIGURE_DECIMALS + 1 decimals. */
export function storedEvidence(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : roundTo(value, FIGURE_DECIMALS + 1);
  if (Array.isArray(value)) return value.map(storedEvidence);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storedEvidence(v)]));
  return value;
}

/** A frame's alignment record at the precision the manifest stores. */
export function storedAlignment<T extends { score: number; silhouetteIou: number; ncc: number; outlier?: { value: number; margin: number } }>(a: T): T {
  const d = FIGURE_DECIMALS;
  return {
    ...a,
    score: roundTo(a.score, d),
    silhouetteIou: roundTo(a.silhouetteIou, d),
    ncc: roundTo(a.ncc, d),
    ...(a.outlier ? { outlier: { value: roundTo(a.outlier.value, d), margin: roundTo(a.outlier.margin, d) } } : {}),
  };
}

/** Why `name` is not usable as one file name inside an output folder, or undefined when it is. */
export function unsafeSegmentReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name === '.' || name === '..') return `is the special directory name "${name}"`;
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator (/ or \\)';
  if (name.includes('\0')) return 'contains a NUL character';
  return undefined;
}

/** Two names that fold to the same key would overwrite each other on macOS / Windows file systems. */
export function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

const safeSegment = z.string().superRefine((name, ctx) => {
  const reason = unsafeSegmentReason(name);
  if (reason) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} is not a safe file name: it ${reason}` });
});

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest as 64 lowercase hex characters');
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
const fraction = z.number().min(0).max(1);

const affineSchema = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);

const cropSchema = z.strictObject({ x: count, y: count, width: positive, height: positive });

const sourceSchema = z.strictObject({
  width: positive,
  height: positive,
  mode: z.enum(['grey', 'rgb']),
  format: z.string().min(1),
  // typed as number to match SourceInfo; only 8- and 16-bit sources exist
  bitDepth: z.number().int().refine((bits) => [8, 16].includes(bits), 'must be 8 or 16'),
  hadAlpha: z.boolean(),
  exifOrientation: z.number().int().min(1).max(8).optional(),
  /** v1, v2 (v3: dataset.inputBytes is the total; like the sources' sha256, provenance that restore does not need) */
  bytes: count.optional(),
  /** v1 only (v2: dataset.id covers the source files) */
  sha256: sha256Hex.optional(),
});

const frameAlignmentSchema = z.strictObject({
  score: z.number(),
  silhouetteIou: fraction,
  ncc: z.number().min(-1).max(1),
  method: z.string().min(1),
  ok: z.boolean(),
  /** a low outlier of its own dataset (decide/misalignment.ts): the figure tested and its margin to the gate */
  outlier: z.strictObject({ value: z.number(), margin: z.number() }).optional(),
});

const frameRecordSchema = z.strictObject({
  index: count,
  /** the original file name */
  name: safeSegment,
  stem: safeSegment,
  source: sourceSchema,
  transform: affineSchema.nullable(),
  alignment: frameAlignmentSchema.nullable(),
  /** v1 only: frameSha256 of the frame as decoded from the reel (v2: reels[].framesSha256) */
  decodedSha256: sha256Hex.optional(),
});

const reelRecordSchema = z.strictObject({
  file: safeSegment,
  bytes: count,
  sha256: sha256Hex,
  firstFrame: count,
  frameCount: positive,
  /** v2: segmentFramesSha256 of the segment's frames as decoded, in reel order */
  framesSha256: sha256Hex.optional(),
});

const segmenterSchema = z.strictObject({
  kind: z.enum(['threshold', 'model']),
  reason: z.string(),
  modelSha256: sha256Hex.optional(),
});

/** --quality auto's choice and its evidence (lambdas/core/quality/): the held-out frames, the criterion, every CRF
 * tried with its distortion / spread ratio and the held-out frames' bytes at it. */
const qualitySchema = z.strictObject({
  mode: z.literal('auto'),
  criterion: z.string().min(1),
  modelSha256: sha256Hex.optional(),
  tolerance: z.number().positive().max(1),
  seed: z.number().int(),
  heldOut: z.array(z.string().min(1)).min(2),
  spread: z.number().nonnegative(),
  crf: CrfSchema,
  met: z.boolean(),
  trials: z.array(z.strictObject({ crf: CrfSchema, ratio: z.number().nonnegative(), bytes: count })).min(1),
});

export const ManifestSchema = z
  .strictObject({
    schema: z.literal(MANIFEST_SCHEMA),
    version: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    createdAt: z.iso.datetime({ offset: true }),
    tool: z.strictObject({ name: z.literal('adreel'), version: z.string().min(1) }),
    dataset: z.strictObject({
      id: sha256Hex,
      inputBytes: count,
      frameCount: count,
      sourceLayout: z.enum(['folder', 'mvtec']),
    }),
    frame: z.strictObject({
      width: positive,
      height: positive,
      mode: z.enum(['grey', 'rgb']),
      /** the region actually encoded, in frame coordinates; null = the whole frame */
      crop: cropSchema.nullable(),
      /** frames stored smaller than the reference (--max-side): frame pixels per reference pixel, and the reference's
       * size, where transforms (source -> reference) land; absent = frames at the reference's size */
      scale: z.strictObject({ factor: z.number().positive().max(1), referenceWidth: positive, referenceHeight: positive }).optional(),
    }),
    // The reference's object mask is kept so new (test) images can be aligned exactly as the training set was.
    reference: z.strictObject({
      name: safeSegment,
      file: safeSegment,
      sha256: sha256Hex,
      maskFile: safeSegment.nullable(),
      maskSha256: sha256Hex.nullable(),
      /** the file holds only the part alignment needs (lambdas/core/compact-reference.ts): that part's box in the
       * frame, its scale and the grey level around it; absent = the whole reference at full size */
      layout: z
        .strictObject({ x: count, y: count, width: positive, height: positive, factor: z.number().positive().max(1), fill: z.array(z.number().int().min(0).max(255)).min(1).max(3) })
        .optional(),
    }),
    /** null when packed with --no-mask */
    mask: z
      .strictObject({ file: safeSegment, sha256: sha256Hex, marginPx: count, unionFraction: fraction })
      .nullable(),
    alignment: z.strictObject({
      enabled: z.boolean(),
      segmenter: segmenterSchema.nullable(),
      onFailure: z.enum(['flag', 'fail', 'keep', 'drop']),
    }),
    codec: z.strictObject({
      encoder: z.literal('libx265'),
      ffmpeg: z.strictObject({ version: z.string().min(1), source: z.enum(['FFMPEG_PATH', 'ffmpeg-static', 'PATH']) }),
      crf: CrfSchema.nullable(),
      lossless: z.boolean(),
      preset: z.string().min(1),
      x265Params: z.string(),
      pixFmt: z.enum(['gray', 'gbrp', 'yuv444p', 'yuv420p']),
      container: z.literal('mp4'),
      /** how frames were ordered inside each reel segment (frames[] lists them in reel order); absent = name */
      frameOrder: z.enum(['name', 'similarity']).optional(),
      /** the frame rate x265's rate control assumed (x265 fps); the timestamps are 1 fps whatever it is; absent = 1 */
      rateFps: positive.optional(),
      /** what x265 actually ran with, read back from the reel (reel/x265-settings.ts); absent in older manifests */
      effective: EffectiveX265Schema.optional(),
    }),
    reels: z.array(reelRecordSchema).min(1),
    frames: z.array(frameRecordSchema).min(1),
    dropped: z.array(z.strictObject({ name: z.string().min(1), reason: z.string().min(1) })),
    warnings: z.array(z.string()),
    /** the training poses' distribution (core/pose); absent in older manifests: transform derives it from frames */
    pose: PoseSummarySchema.optional(),
    /** what the run decided from the dataset (segmenter, alignment mode, mask, frame size, misalignment), with evidence */
    decisions: decisionsSchema.optional(),
    /** how --quality auto chose codec.crf (absent: the CRF was given or defaulted) */
    quality: qualitySchema.optional(),
    /** v2: manifestDigest() of the rest of the manifest */
    digest: sha256Hex.optional(),
  })
  .superRefine((m, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    if (m.version === 1) {
      m.frames.forEach((frame, i) => {
        if (frame.decodedSha256 === undefined) issue(['frames', i, 'decodedSha256'], 'is required in a version 1 manifest');
      });
    } else {
      if (m.digest === undefined) issue(['digest'], `is required in a version ${m.version} manifest`);
      m.reels.forEach((reel, i) => {
        if (reel.framesSha256 === undefined) issue(['reels', i, 'framesSha256'], `is required in a version ${m.version} manifest`);
      });
      m.frames.forEach((frame, i) => {
        if (frame.decodedSha256 !== undefined) issue(['frames', i, 'decodedSha256'], `is a version 1 field, not allowed in version ${m.version}`);
        if (frame.source.sha256 !== undefined) issue(['frames', i, 'source', 'sha256'], `is a version 1 field, not allowed in version ${m.version}`);
        if (m.version === 2 && frame.source.bytes === undefined) issue(['frames', i, 'source', 'bytes'], 'is required in a version 2 manifest');
        if (m.version >= 3 && frame.source.bytes !== undefined) issue(['frames', i, 'source', 'bytes'], `is not kept in version ${m.version} (dataset.inputBytes is the total)`);
      });
    }

    if (m.dataset.frameCount !== m.frames.length) {
      issue(['dataset', 'frameCount'], `is ${m.dataset.frameCount} but the manifest lists ${m.frames.length} frames`);
    }
    m.frames.forEach((frame, i) => {
      if (frame.index !== i) issue(['frames', i, 'index'], `is ${frame.index}, expected ${i} (frames are listed in order)`);
    });
    reportCollisions(m.frames.map((f) => f.name), ['frames', 'name'], issue);
    reportCollisions(m.frames.map((f) => f.stem), ['frames', 'stem'], issue);
    reportCollisions(m.reels.map((r) => r.file), ['reels', 'file'], issue);

    const frameNames = new Set(m.frames.map((f) => foldName(f.name)));
    m.dropped.forEach((dropped, i) => {
      if (frameNames.has(foldName(dropped.name))) {
        issue(['dropped', i, 'name'], `"${dropped.name}" is listed both as dropped and as an encoded frame`);
      }
    });

    let nextFrame = 0;
    m.reels.forEach((reel, i) => {
      if (reel.firstFrame !== nextFrame) {
        issue(['reels', i, 'firstFrame'], `is ${reel.firstFrame}, expected ${nextFrame} (reels must cover the frames in order without gaps or overlaps)`);
      }
      nextFrame = reel.firstFrame + reel.frameCount;
    });
    if (nextFrame !== m.frames.length) {
      issue(['reels'], `cover frames 0..${nextFrame - 1}, but the manifest lists ${m.frames.length} frames`);
    }

    const crop = m.frame.crop;
    if (crop && (crop.x + crop.width > m.frame.width || crop.y + crop.height > m.frame.height)) {
      issue(['frame', 'crop'], `${crop.width}x${crop.height} at (${crop.x},${crop.y}) reaches outside the ${m.frame.width}x${m.frame.height} frame`);
    }
    if (m.codec.lossless && m.codec.crf !== null) issue(['codec', 'crf'], 'must be null for a lossless reel');
    if (!m.codec.lossless && m.codec.crf === null) issue(['codec', 'crf'], 'must be a number for a lossy reel');
    if ((m.frame.mode === 'grey') !== (m.codec.pixFmt === 'gray')) {
      issue(['codec', 'pixFmt'], `"${m.codec.pixFmt}" does not match frame mode "${m.frame.mode}"`);
    }
    const segmenter = m.alignment.segmenter;
    if (segmenter?.kind === 'model' && segmenter.modelSha256 === undefined) {
      issue(['alignment', 'segmenter', 'modelSha256'], 'is required when the segmenter is a model');
    }
  });

export type Manifest = z.output<typeof ManifestSchema>;
export type FrameRecord = Manifest['frames'][number];
export type ReelRecord = Manifest['reels'][number];

/**
 * Validate a manifest file's bytes (any version read: a binary version 4 file, or the JSON of versions 1-3);
 * `format` is the one its file name stands for (artifacts.ts), `file` names it in errors.
 */
export function parseManifestFile(bytes: Buffer, format: 'binary' | 'json', file: string): Manifest {
  const version = manifestFileVersion(bytes);
  if (format === 'binary') {
    if (version === undefined) throw new IntegrityError(file, `not an adreel manifest: a binary manifest starts with the line "${MANIFEST_SCHEMA} <version>"; damaged or not written by adreel`);
    assertVersionRead(version, file);
    if ((MANIFEST_JSON_VERSIONS as readonly number[]).includes(version)) throw new IntegrityError(file, `a version ${version} manifest is JSON, never binary: edited or damaged`);
    return checkDocument(unpackManifestFile(bytes, file), version, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new IntegrityError(file, `not valid JSON (${(err as Error).message}); truncated or damaged`);
  }
  return parseManifest(json, file);
}

/** Validate the parsed JSON of a version 1-3 manifest file (v3 is unpacked first); `file` names it in errors. */
export function parseManifest(json: unknown, file: string): Manifest {
  // Check the header first so a foreign file or another version gets one clear sentence, not a list of issues.
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new IntegrityError(file, 'not an adreel manifest: expected a JSON object');
  }
  const header = json as { schema?: unknown; version?: unknown };
  if (header.schema !== MANIFEST_SCHEMA) {
    throw new IntegrityError(file, `not an adreel manifest: "schema" is ${JSON.stringify(header.schema)}, expected "${MANIFEST_SCHEMA}"`);
  }
  assertVersionRead(header.version, file);
  if (!(MANIFEST_JSON_VERSIONS as readonly unknown[]).includes(header.version)) {
    throw new IntegrityError(file, `a version ${header.version} manifest is a binary file, never JSON: edited or damaged`);
  }
  return checkDocument(header.version === 3 ? unpackManifest(json, file) : json, header.version as number, file);
}

function assertVersionRead(version: unknown, file: string): void {
  if (!(MANIFEST_VERSIONS_READ as readonly unknown[]).includes(version)) {
    throw new IntegrityError(file, `manifest version ${JSON.stringify(version)} is not supported: this adreel reads versions ${MANIFEST_VERSIONS_READ.join(', ')}`);
  }
}

/** The digest (v2 and later) and the schema, on the (unpacked) document. */
function checkDocument(json: unknown, version: number, file: string): Manifest {
  if (version !== 1) {
    // Before the schema, so that an edit gets this one sentence rather than whatever the schema makes of it.
    const recorded = (json as { digest?: unknown }).digest;
    if (typeof recorded !== 'string') throw new IntegrityError(file, `has no "digest": a version ${version} manifest always carries one; damaged or edited`);
    const actual = manifestDigest(json);
    if (actual !== recorded) {
      throw new IntegrityError(
        file,
        `content digest ${actual.slice(0, 16)}... differs from the recorded "digest" ${recorded.slice(0, 16)}...: the manifest was edited or damaged`,
      );
    }
  }
  const result = ManifestSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
    throw new IntegrityError(file, `invalid manifest (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The manifest file's bytes: sealed with its digest, packed (version 4, binary). Refuses to write a manifest that would not parse. */
export function serializeManifest(m: Manifest): Buffer {
  if (m.version !== MANIFEST_VERSION) throw new IntegrityError('manifest being written', `is version ${m.version}; only version ${MANIFEST_VERSION} is written`);
  const { digest: _old, ...body } = JSON.parse(JSON.stringify(m)) as Manifest;
  const sealed = { ...body, digest: manifestDigest(body) };
  checkDocument(sealed, MANIFEST_VERSION, 'manifest being written');
  const bytes = packManifestFile(sealed);
  parseManifestFile(bytes, 'binary', 'manifest being written'); // the packed form reads back to the same, sealed document
  return bytes;
}

/**
 * sha256 of the canonical serialization of `json` without its top-level "digest": object keys sorted (by UTF-16
 * code units), no whitespace, numbers and strings as JSON.stringify writes them. Any field, including ones added by
 * later versions, is covered.
 */
export function manifestDigest(json: unknown): string {
  const { digest: _d, ...body } = json as Record<string, unknown>;
  return createHash('sha256').update('adreel.manifest.digest.v2\0').update(canonicalJson(body)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A v2 segment's frame digest: over the frames' frameSha256 (hex), in reel order. */
export function segmentFramesSha256(frameHashes: readonly string[]): string {
  const h = createHash('sha256').update('adreel.segment.frames.v2\0');
  for (const f of frameHashes) h.update(`${f}\n`);
  return h.digest('hex');
}

function reportCollisions(
  names: string[],
  [list, field]: [string, string],
  issue: (path: (string | number)[], message: string) => void,
): void {
  const firstByKey = new Map<string, number>();
  names.forEach((name, i) => {
    const key = foldName(name);
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, i);
      return;
    }
    issue(
      [list, i, field],
      `"${name}" collides with ${list}[${first}].${field} "${names[first]}" (names must differ even when letter case is ignored)`,
    );
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(manifest)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** The document a version 1-3 manifest file's JSON holds, unvalidated (v3 unpacked): for tools and tests that read fields. */
export function manifestDocument(json: unknown, file: string): Record<string, unknown> {
  const header = json as { version?: unknown };
  return header.version === 3 ? unpackManifest(json, file) : (json as Record<string, unknown>);
}

/** The document a manifest file holds (binary or JSON, any version), unvalidated: for tools and tests that read fields. */
export function manifestFileDocument(bytes: Buffer, file: string): Record<string, unknown> {
  return manifestFileVersion(bytes) !== undefined ? unpackManifestFile(bytes, file) : manifestDocument(JSON.parse(bytes.toString('utf8')), file);
}
