// The one owner of compress options: its three views (CLI flag table, marker schema, encoder input) cannot drift,
// the rules hold the same on every path, and parsing is idempotent (a job file re-checks its own options).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompressOptionsSchema,
  DEFAULT_CRF,
  describeOptionIssues,
  flagName,
  DEFAULT_MARGIN_PX,
  encoderSettings,
  MARKER_EXCLUDED,
  MarkerContentSchema,
  MarkerOptionsSchema,
  OPTION_FIELDS,
  OPTION_FLAGS,
  parseCompressOptions,
  pickEncoderSettings,
  RESERVED_X265_KEYS,
  X265_PRESETS,
} from '../../../lambdas/core/compress/options.ts';
import { PRESET_SPEED } from '../../../lambdas/core/reel/segments.ts';
import { runCompress } from '../../../lambdas/cli/commands/compress.ts';
import { runUpload } from '../../../lambdas/cli/commands/upload.ts';

const fieldKeys = Object.keys(OPTION_FIELDS).sort();

describe('compress options: one owner, three views', () => {
  it('every schema field has a CLI flag entry (or an explicit null), and the flag table names no other key', () => {
    assert.deepEqual(Object.keys(OPTION_FLAGS).sort(), fieldKeys);
    const flags = Object.values(OPTION_FLAGS).filter((f) => f !== null).map((f) => f.flag);
    assert.equal(new Set(flags).size, flags.length, 'two options share a flag');
  });

  it('compress takes every flag of the table; upload takes every flag whose option a marker accepts', () => {
    for (const [key, f] of Object.entries(OPTION_FLAGS)) {
      if (!f) continue;
      assert.ok(f.flag in runCompress.options, `compress lacks --${f.flag}`);
      const inMarker = !(MARKER_EXCLUDED as readonly string[]).includes(key);
      assert.equal(f.flag in runUpload.options, inMarker, `upload ${inMarker ? 'lacks' : 'must not take'} --${f.flag}`);
    }
  });

  it('the marker schema accepts every field but the excluded ones, and parses to the same values as the CLI schema', () => {
    const markerKeys = Object.keys(MarkerOptionsSchema.parse({})).sort();
    const cliKeys = Object.keys(parseCompressOptions({})).sort();
    // optional fields without a default do not appear in a parse of {}: compare against the field list instead
    for (const k of fieldKeys) {
      const excluded = (MARKER_EXCLUDED as readonly string[]).includes(k);
      const r = MarkerOptionsSchema.safeParse({ [k]: parseCompressOptions({ modelPath: 'm.onnx', reference: 'a.png', threads: 2 })[k as 'crf'] });
      assert.equal(r.success, !excluded, `marker ${excluded ? 'accepts' : 'refuses'} ${k}`);
    }
    assert.deepEqual(markerKeys, cliKeys.filter((k) => !(MARKER_EXCLUDED as readonly string[]).includes(k)));
    const sample = { crf: 31, preset: 'fast', x265Params: 'aq-mode=3', segmentFrames: 16, threads: 2, rateFps: 30 } as const;
    assert.deepEqual(MarkerOptionsSchema.parse(sample), parseCompressOptions(sample));
  });

  it('the encoder input is a subset of the parsed options, picked field for field', () => {
    const o = parseCompressOptions({ crf: 30, threads: 3, x265Params: 'aq-mode=3', preset: 'slow' });
    const e = pickEncoderSettings(o);
    for (const [k, v] of Object.entries(e)) assert.deepEqual(v, o[k as keyof typeof o], k);
    assert.deepEqual(Object.keys(e).sort(), ['crf', 'lossless', 'preset', 'rateFps', 'threads', 'x265Params']);
  });

  it('every preset has a segment speed (presets are written once, in options.ts)', () => {
    assert.deepEqual(Object.keys(PRESET_SPEED).sort(), [...X265_PRESETS].sort());
  });

  it('defaults: CRF 28, preset medium, margin 6 px; crf is null exactly when lossless', () => {
    const o = parseCompressOptions({});
    assert.equal(o.crf, DEFAULT_CRF);
    assert.equal(o.preset, 'medium');
    assert.equal(o.marginPx, DEFAULT_MARGIN_PX);
    assert.equal(parseCompressOptions({ lossless: true }).crf, null);
    assert.equal(encoderSettings({ lossless: true }).crf, null);
  });

  it('parsing is idempotent: its output parses to itself (lossy and lossless)', () => {
    for (const input of [{}, { lossless: true }, { crf: 12, threads: 4, segmentFrames: 8 }]) {
      const once = parseCompressOptions(input);
      assert.deepEqual(CompressOptionsSchema.parse(once), once);
      const { modelPath: _m, ...marker } = once;
      assert.deepEqual(MarkerOptionsSchema.parse(marker), marker);
    }
  });

  it('crf excludes lossless on every path: CLI schema, marker schema', () => {
    assert.equal(CompressOptionsSchema.safeParse({ crf: 20, lossless: true }).success, false);
    assert.equal(MarkerContentSchema.safeParse({ options: { crf: 20, lossless: true } }).success, false);
    assert.equal(MarkerContentSchema.safeParse({ options: { crf: null } }).success, false, 'crf null only for lossless');
    assert.equal(MarkerContentSchema.safeParse({ options: { lossless: true } }).success, true);
  });

  it('the marker refuses unknown keys and the model path', () => {
    assert.equal(MarkerContentSchema.safeParse({ options: { crff: 20 } }).success, false);
    assert.equal(MarkerContentSchema.safeParse({ options: { modelPath: '/x.onnx' } }).success, false);
    assert.equal(MarkerContentSchema.safeParse({ other: 1 }).success, false);
  });

  it('reserved x265 keys are refused in any spelling (fps is --rate-fps); other tuning stays allowed', () => {
    for (const key of Object.keys(RESERVED_X265_KEYS)) {
      assert.equal(CompressOptionsSchema.safeParse({ x265Params: `${key}=1` }).success, false, key);
    }
    assert.equal(CompressOptionsSchema.safeParse({ x265Params: 'no-open-gop=1' }).success, false);
    assert.equal(CompressOptionsSchema.safeParse({ x265Params: 'Frame_Threads=2' }).success, false);
    assert.equal(CompressOptionsSchema.safeParse({ x265Params: 'fps=25' }).success, false);
    assert.equal(CompressOptionsSchema.safeParse({ x265Params: 'aq-mode=3:psy-rd=0' }).success, true);
  });
  it('--quality auto: excludes --crf and --lossless, leaves crf null until chosen, parses idempotently; its tolerance needs it', () => {
    const o = parseCompressOptions({ quality: 'auto', qualityTolerance: '0.05' as unknown as number });
    assert.equal(o.crf, null);
    assert.equal(o.qualityTolerance, 0.05);
    assert.deepEqual(CompressOptionsSchema.parse(o), o);
    const refused = (input: Record<string, unknown>, pattern: RegExp) => {
      const r = CompressOptionsSchema.safeParse(input);
      assert.equal(r.success, false, JSON.stringify(input));
      assert.match(describeOptionIssues(r.error!, input, flagName), pattern);
    };
    refused({ quality: 'auto', crf: 30 }, /--crf and --quality exclude each other/);
    refused({ quality: 'auto', lossless: true }, /--lossless and --quality exclude each other/);
    refused({ qualityTolerance: 0.1 }, /--quality-tolerance applies only with --quality auto/);
    for (const bad of ['0', '1.5', '1e-2', '-0.1', '0x1', '']) refused({ quality: 'auto', qualityTolerance: bad }, /--quality-tolerance/);
    assert.equal(parseCompressOptions({ quality: 'auto', qualityTolerance: '.2' as unknown as number }).qualityTolerance, 0.2);
  });

  it('the marker refuses --quality auto, its tolerance and a backbone path (the stack carries no detector backbone)', () => {
    for (const options of [{ quality: 'auto' }, { qualityTolerance: 0.1 }, { backbonePath: '/b.onnx' }]) {
      assert.equal(MarkerContentSchema.safeParse({ options }).success, false, JSON.stringify(options));
    }
  });
});
