// Every knob of a compress run, owned here and nowhere else: its range, default, allowed values and cross-field rules
// (the schema), its CLI flag (the flag table the compress and upload commands are built from), whether a `_READY`
// marker may set it (the marker schema), and the part the encoder sees (EncoderSettings). Adding an option is one
// entry in OPTION_FIELDS and one in OPTION_FLAGS; the type of OPTION_FLAGS makes a missing flag entry a type error,
// and test/unit/compress/options.test.ts checks that the three views cannot drift apart.
// Imports nothing of adreel's own, so any layer may use it.
import { z } from 'zod';

export const X265_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'] as const;
export type X265Preset = (typeof X265_PRESETS)[number];
export const SEGMENTERS = ['auto', 'threshold', 'model'] as const;
export const ALIGN_FAILURE_POLICIES = ['flag', 'fail', 'keep', 'drop'] as const;
export const FRAME_ORDERS = ['similarity', 'name'] as const;
export const QUALITY_MODES = ['auto'] as const;

export const CRF_RANGE = { min: 0, max: 51 } as const;
export const DEFAULT_CRF = 28;
export const DEFAULT_PRESET: X265Preset = 'medium';
/** Growth of the union mask in pixels of the reference frame; chosen on the 320 real screws with
 * bench/align-quality.ts (figures in README, "Defaults"). */
export const DEFAULT_MARGIN_PX = 6;
/** x265's rate-control frame rate by default: a video rate, at which CRF 28..51 spans the sizes users want (at the
 * reels' 1 fps timestamps CRF 51 stops at ~164 KB on screw). Table 1 row 7 at this rate: README "Results". */
export const DEFAULT_RATE_FPS = 25;
/** --quality auto: the share of the natural spread between good images that coding noise may take, seen through the
 * detector's features (lambdas/core/quality/search.ts). Tuned on screw (D/V at CRF 44, a CRF that holds the robust
 * rule there, to two digits) and validated on bottle, where it holds the rule but stores 3.3x the smallest passing point; the
 * bottle-tuned value fails screw. Evidence: README "Quality auto", bench/quality-auto.ts --probe. */
export const DEFAULT_QUALITY_TOLERANCE = 0.55;

/**
 * x265 keys adreel sets itself, refused in `x265Params` with the option to use instead: the manifest must describe the
 * reel, and an x265 key that overrides rate control, GOP structure or threading would make it lie (or break segment
 * random access). `fps` is rateFps's.
 */
export const RESERVED_X265_KEYS: Readonly<Record<string, OptionKey>> = {
  crf: 'crf',
  qp: 'crf',
  bitrate: 'crf',
  lossless: 'lossless',
  keyint: 'segmentFrames',
  'max-keyint': 'segmentFrames',
  'min-keyint': 'segmentFrames',
  'open-gop': 'segmentFrames',
  pools: 'threads',
  'numa-pools': 'threads',
  'frame-threads': 'threads',
  fps: 'rateFps',
};

/** A fraction in (0, 1]: a number, or its plain decimal spelling ("0.05", ".05"; no exponent, sign or hex). */
const Fraction = z
  .union([z.number(), z.string().regex(/^[0-9]*\.?[0-9]+$/, { error: 'expects a decimal fraction such as 0.05' }).transform(Number)])
  .pipe(z.number({ error: 'expects a number' }).gt(0, { error: 'expects a fraction above 0 and at most 1' }).lte(1, { error: 'expects a fraction above 0 and at most 1' }));

const X265_PARAMS_CHARS = /^[A-Za-z0-9_.:=,/+-]*$/;
const X265_PARAM_ENTRY = /^([A-Za-z0-9_.-]+)=[A-Za-z0-9_.,/+-]+$/;

/** One message per range so every caller (CLI, marker, job file) says the same thing. */
const wholeNumber = (min: number, max: number) =>
  z.number({ error: `expects a whole number from ${min} to ${max}` }).int({ error: `expects a whole number from ${min} to ${max}` })
    .min(min, { error: `expects a whole number from ${min} to ${max}` })
    .max(max, { error: `expects a whole number from ${min} to ${max}` });

/** x265's own key for an entry: case and '_' vs '-' do not matter to x265, nor does a "no-" prefix. */
export function x265Key(entry: string): string {
  return entry.split('=')[0].toLowerCase().replace(/_/g, '-').replace(/^no-/, '');
}

const X265Params = z.string().superRefine((text, ctx) => {
  if (text === '') return;
  if (!X265_PARAMS_CHARS.test(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" may only contain letters, digits and _ . : = , / + -` });
    return;
  }
  for (const entry of text.split(':')) {
    if (!X265_PARAM_ENTRY.test(entry)) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" is not key=value` });
      continue;
    }
    const use = RESERVED_X265_KEYS[x265Key(entry)];
    if (use) ctx.addIssue({ code: 'custom', message: `x265 key "${x265Key(entry)}" is set by adreel`, params: { use } });
  }
});

/** x265 constant rate factor (the manifest's codec.crf uses it too). */
export const CrfSchema = wholeNumber(CRF_RANGE.min, CRF_RANGE.max);

/** The fields, each with its range and default. `crf` has no default here: the cross-field rule must see whether it
 * was given (resolveRate below fills it). */
export const OPTION_FIELDS = {
  /** null only for a lossless reel (rate control does not apply) */
  crf: CrfSchema.nullable().optional(),
  lossless: z.boolean().default(false),
  preset: z.enum(X265_PRESETS).default(DEFAULT_PRESET),
  /** extra x265 parameters "key=value:key=value", appended after adreel's own */
  x265Params: X265Params.default(''),
  segmenter: z.enum(SEGMENTERS).default('auto'),
  modelPath: z.string().min(1).optional(),
  marginPx: wholeNumber(0, 512).default(DEFAULT_MARGIN_PX),
  reference: z.string().min(1).optional(),
  align: z.boolean().default(true),
  mask: z.boolean().default(true),
  /** Encode only the union mask's bounding box (restore pads back to the full frame). */
  crop: z.boolean().default(true),
  /** What to do with an image that cannot be aligned: flag (default) fails the run on an image with no object or
   * no pose, and keeps an image that only scores as an outlier of its dataset, flagged; fail (strict) also fails on
   * those; keep keeps every image (unaligned if need be), flagged; drop leaves failures out, recorded. */
  onAlignFailure: z.enum(ALIGN_FAILURE_POLICIES).default('flag'),
  /** Pin x265's threading so the bitstream is reproducible across machines and runs. */
  threads: wholeNumber(1, 64).optional(),
  /** Frames per reel segment; 0 = automatic (lambdas/core/reel/segments.ts). A small dataset is one segment. */
  segmentFrames: wholeNumber(0, 100_000).default(0),
  /** Frame order inside each segment: by name, or by similarity (fewer bytes; lambdas/core/reel/frame-order.ts). */
  frameOrder: z.enum(FRAME_ORDERS).default('similarity'),
  /** The frame rate x265's rate control assumes (x265 fps=N). The reel's timestamps stay at one frame per second (a
   * frame index is a seek time); CRF's bits per frame depend on this rate, not on the timestamps. */
  rateFps: wholeNumber(1, 240).default(DEFAULT_RATE_FPS),
  /** Store frames with at most this many pixels on their longest side (e.g. the detector's input size), resized after
   * alignment; absent = the reference's own size. */
  maxSide: wholeNumber(64, 65_535).optional(),
  /** Build the reel from an earlier output's transforms, union mask and reference instead of aligning again (local
   * folders; lambdas/core/compress/reuse-alignment.ts lists what may differ). */
  reuseAlignment: z.string().min(1).optional(),
  /** auto: choose the CRF from the training images (lambdas/core/quality/); excludes crf and lossless */
  quality: z.enum(QUALITY_MODES).optional(),
  /** --quality auto's tolerance (default DEFAULT_QUALITY_TOLERANCE) */
  qualityTolerance: Fraction.optional(),
  /** the detector backbone --quality auto looks through (the PaDiM ResNet-18 ONNX); absent = ADREEL_BACKBONE or ../shared */
  backbonePath: z.string().min(1).optional(),
};
export type OptionKey = keyof typeof OPTION_FIELDS;

type RawOptions = z.output<z.ZodObject<typeof OPTION_FIELDS>>;

type RateFields = { crf?: number | null; lossless?: boolean; quality?: 'auto'; qualityTolerance?: number };

function crossFieldRules(o: RateFields, ctx: z.RefinementCtx): void {
  if (o.lossless && typeof o.crf === 'number') {
    ctx.addIssue({ code: 'custom', path: ['crf'], message: 'excludes', params: { excludes: 'lossless' } });
  }
  if (o.quality === 'auto' && typeof o.crf === 'number') ctx.addIssue({ code: 'custom', path: ['crf'], message: 'excludes', params: { excludes: 'quality' } });
  if (o.quality === 'auto' && o.lossless) ctx.addIssue({ code: 'custom', path: ['lossless'], message: 'excludes', params: { excludes: 'quality' } });
  if (o.qualityTolerance !== undefined && o.quality !== 'auto') ctx.addIssue({ code: 'custom', path: ['qualityTolerance'], message: 'applies only with', params: { needs: 'quality' } });
  if (!o.lossless && o.crf === null && o.quality !== 'auto') ctx.addIssue({ code: 'custom', path: ['crf'], message: 'may be null only for a lossless reel' });
}

/** crf is a number exactly when the reel is lossy and its CRF is given (null until --quality auto has chosen it). */
function resolveRate<T extends { crf?: number | null; lossless: boolean; quality?: 'auto' }>(o: T): Omit<T, 'crf'> & { crf: number | null } {
  return { ...o, crf: o.lossless || o.quality === 'auto' ? null : (o.crf ?? DEFAULT_CRF) };
}

/** The options of a compress run: every field given or defaulted, rules checked. Parsing its own output gives the
 * same output, so a job file can be checked with it again. */
export const CompressOptionsSchema = z.strictObject(OPTION_FIELDS).superRefine(crossFieldRules).transform((o: RawOptions) => resolveRate(o));

export type CompressOptions = z.output<typeof CompressOptionsSchema>;
export type CompressOptionsInput = z.input<typeof CompressOptionsSchema>;

export function parseCompressOptions(input: CompressOptionsInput): CompressOptions {
  return CompressOptionsSchema.parse(input);
}

/** Options a `_READY` marker may not set (the stack provides the segmentation model; it carries no detector backbone,
 * so --quality auto and its tolerance are CLI-only). */
export const MARKER_EXCLUDED = ['modelPath', 'reuseAlignment', 'quality', 'qualityTolerance', 'backbonePath'] as const satisfies readonly OptionKey[];
export type MarkerOptionKey = Exclude<OptionKey, (typeof MARKER_EXCLUDED)[number]>;

/** The options a `_READY` marker (and so the cloud execution input) may hold: the same fields, rules and defaults,
 * minus MARKER_EXCLUDED. Idempotent like CompressOptionsSchema: start and prepare-reference both parse with it. */
export const MarkerOptionsSchema = z
  .strictObject(OPTION_FIELDS)
  .omit({ modelPath: true, reuseAlignment: true, quality: true, qualityTolerance: true, backbonePath: true })
  .superRefine(crossFieldRules)
  .transform((o) => resolveRate(o));
export type MarkerOptions = z.output<typeof MarkerOptionsSchema>;
export type MarkerOptionsInput = z.input<typeof MarkerOptionsSchema>;

/** The `<dataset>/_READY` marker: empty, or `{"options": {...}}`. */
export const MarkerContentSchema = z.strictObject({ options: MarkerOptionsSchema.optional() });
export type MarkerContent = z.output<typeof MarkerContentSchema>;

/** What the encoder is given (lambdas/core/reel/encode.ts): these options, already checked. */
export type EncoderSettings = Pick<CompressOptions, 'crf' | 'lossless' | 'preset' | 'x265Params' | 'threads' | 'rateFps'>;

/** The encoder's part of a run's options. */
export function pickEncoderSettings(o: CompressOptions): EncoderSettings {
  return { crf: o.crf, lossless: o.lossless, preset: o.preset, x265Params: o.x265Params, threads: o.threads, rateFps: o.rateFps };
}

/** Checked encoder settings from a partial input (for benchmarks and tests that call the encoder directly). */
export function encoderSettings(input: CompressOptionsInput = {}): EncoderSettings {
  return pickEncoderSettings(parseCompressOptions(input));
}

/** How an option is spelled on the command line. `int` and `string` take a value (`value` names it in usage);
 * `enum` takes one of `values`; `set` is a bare flag giving `to` (e.g. --no-align gives align=false). */
export type FlagSpec =
  | { flag: string; kind: 'int'; value: string }
  | { flag: string; kind: 'string'; value: string }
  | { flag: string; kind: 'enum'; values: readonly string[] }
  | { flag: string; kind: 'set'; to: boolean };

/** Every option's CLI flag; null would mark an option deliberately left off the command line. */
export const OPTION_FLAGS: { readonly [K in OptionKey]: FlagSpec | null } = {
  crf: { flag: 'crf', kind: 'int', value: 'N' },
  lossless: { flag: 'lossless', kind: 'set', to: true },
  preset: { flag: 'preset', kind: 'enum', values: X265_PRESETS },
  x265Params: { flag: 'x265', kind: 'string', value: '"k=v:..."' },
  segmenter: { flag: 'segmenter', kind: 'enum', values: SEGMENTERS },
  modelPath: { flag: 'model', kind: 'string', value: 'PATH' },
  marginPx: { flag: 'margin', kind: 'int', value: 'PX' },
  reference: { flag: 'reference', kind: 'string', value: 'NAME' },
  align: { flag: 'no-align', kind: 'set', to: false },
  mask: { flag: 'no-mask', kind: 'set', to: false },
  crop: { flag: 'no-crop', kind: 'set', to: false },
  onAlignFailure: { flag: 'on-align-failure', kind: 'enum', values: ALIGN_FAILURE_POLICIES },
  threads: { flag: 'threads', kind: 'int', value: 'N' },
  segmentFrames: { flag: 'segment-frames', kind: 'int', value: 'N' },
  frameOrder: { flag: 'frame-order', kind: 'enum', values: FRAME_ORDERS },
  rateFps: { flag: 'rate-fps', kind: 'int', value: 'N' },
  maxSide: { flag: 'max-side', kind: 'int', value: 'PX' },
  reuseAlignment: { flag: 'reuse-alignment', kind: 'string', value: 'EARLIER_OUT_DIR' },
  quality: { flag: 'quality', kind: 'enum', values: QUALITY_MODES },
  qualityTolerance: { flag: 'quality-tolerance', kind: 'string', value: 'FRACTION' },
  backbonePath: { flag: 'backbone', kind: 'string', value: 'PATH' },
};

/** How errors name an option: `--crf` on the command line, `options.crf` in a marker. */
export type OptionNamer = (key: OptionKey) => string;
export const flagName: OptionNamer = (key) => {
  const f = OPTION_FLAGS[key];
  return f ? `--${f.flag}` : key;
};
export const markerName: OptionNamer = (key) => `options.${key}`;

/** One line per problem, each naming the option the way the user wrote it, and the option to use instead. */
export function describeOptionIssues(error: z.ZodError, input: Record<string, unknown>, name: OptionNamer, pathPrefix: PropertyKey[] = []): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.slice(pathPrefix.length);
      const key = path[0] as OptionKey | undefined;
      if (!key || !(key in OPTION_FIELDS)) {
        if (issue.code === 'unrecognized_keys') return `unknown option(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
        return issue.message;
      }
      const params = (issue as { params?: { use?: OptionKey; excludes?: OptionKey; needs?: OptionKey } }).params;
      if (params?.excludes) return `${name(key)} and ${name(params.excludes)} exclude each other`;
      if (params?.needs) return `${name(key)} applies only with ${name(params.needs)} auto`;
      const got = key in input && issue.code !== 'custom' ? `, got ${JSON.stringify(input[key])}` : '';
      const what = issue.code === 'invalid_value' ? `expects one of ${issue.values.join(', ')}` : issue.message;
      return `${name(key)}: ${what}${got}${params?.use ? `; use ${name(params.use)}` : ''}`;
    })
    .join('; ');
}
