// Several adreel outputs of ONE training set built through the product's own --reuse-alignment: members that agree
// on what an earlier output fixes (REUSE_FIXED_OPTIONS, lambdas/core/compress/reuse-alignment.ts, plus the
// segmentation model) form a group; one ordinary compressFolder builds the group's base (a masked member when
// the group has one: an aligned, masked output also serves --no-mask re-encodes) and every other member is
// compressFolder(..., { reuseAlignment: base }). Alignment is most of a compress run's time, so a CRF sweep or
// Table 1's four aligned rows cost one alignment instead of one each. An output that already exists (a cached
// point of the same group) may serve as the base instead, and then nothing aligns at all.
//
// test/unit/report/bench-family.test.ts checks that every member is identical (manifest apart from its time stamp,
// reel and masks) to what a direct compressFolder makes with the same options.
import { compressFolder } from '../../../lambdas/cli/local-runs.ts';
import type { CompressSummary, RunHooks } from '../../../lambdas/core/compress/compress-folder.ts';
import { parseCompressOptions, type CompressOptions, type CompressOptionsInput } from '../../../lambdas/core/compress/options.ts';
import { UsageError } from '../../../lambdas/ground/errors.ts';
import { REUSE_FIXED_OPTIONS } from '../../../lambdas/core/compress/reuse-alignment.ts';

export interface FamilyMember {
  /** a folder that does not exist yet */
  outDir: string;
  options: CompressOptionsInput;
}

/** An existing adreel output of the same images (e.g. a cached point) that may serve as a group's base. */
export interface ExistingOutput {
  outDir: string;
  options: CompressOptionsInput;
}

export interface FamilySummary extends CompressSummary {
  /** the output this member's alignment came from (--reuse-alignment); absent for a group's base */
  reusedAlignment?: string;
  /** wall seconds of this member's own compressFolder run */
  buildSeconds: number;
}

/**
 * The group a member belongs to: equal keys reuse one alignment. An aligned run's mask setting is left out (a masked
 * base serves both); an unaligned run keeps it (its decisions differ with the mask).
 */
export function alignmentGroup(input: CompressOptionsInput): string {
  const o = parseCompressOptions(input);
  const fixed = REUSE_FIXED_OPTIONS.filter((k) => k !== 'mask' || !o.align).map((k) => [k, o[k] ?? null]);
  return JSON.stringify([...fixed, ['modelPath', o.modelPath ?? null]]);
}

/** Items grouped by alignmentGroup, in first-seen order; only groups of two or more (a single one gains nothing). */
export function familiesOf<T>(items: T[], optionsOf: (item: T) => CompressOptionsInput | undefined): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const options = optionsOf(item);
    if (!options) continue;
    const key = alignmentGroup(options);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()].filter((g) => g.length >= 2);
}

/** A base may serve a member when their groups agree and the base is masked or the member is not. */
function serves(base: CompressOptions, member: CompressOptions): boolean {
  return base.mask || !member.mask;
}

export async function compressFamily(
  inputDir: string,
  members: FamilyMember[],
  hooks: RunHooks = {},
  existing: ExistingOutput[] = [],
): Promise<FamilySummary[]> {
  const parsed = members.map((m) => parseCompressOptions(m.options));
  const summaries: FamilySummary[] = new Array(members.length);
  // bases built (or found) so far, by group: later members of the group reuse them
  const bases = new Map<string, { outDir: string; options: CompressOptions }[]>();
  for (const e of existing) {
    const key = alignmentGroup(e.options);
    bases.set(key, [...(bases.get(key) ?? []), { outDir: e.outDir, options: parseCompressOptions(e.options) }]);
  }
  // masked members first within the run, so a group's base is one that serves its unmasked members too
  const order = members.map((_, i) => i).sort((a, b) => Number(parsed[b].mask) - Number(parsed[a].mask) || a - b);
  for (const i of order) {
    const key = alignmentGroup(members[i].options);
    const base = bases.get(key)?.find((b) => serves(b.options, parsed[i]));
    const t0 = performance.now();
    if (base) {
      try {
        const s = await compressFolder(inputDir, members[i].outDir, { ...parsed[i], reuseAlignment: base.outDir }, hooks);
        summaries[i] = { ...s, reusedAlignment: base.outDir, buildSeconds: (performance.now() - t0) / 1000 };
        continue;
      } catch (err) {
        // e.g. the data decided no alignment although it was asked for: the member is then built on its own
        if (!(err instanceof UsageError) || !err.message.startsWith('--reuse-alignment')) throw err;
        hooks.log?.(`${err.message}; building ${members[i].outDir} with its own alignment`);
      }
    }
    const t1 = performance.now();
    summaries[i] = { ...(await compressFolder(inputDir, members[i].outDir, parsed[i], hooks)), buildSeconds: (performance.now() - t1) / 1000 };
    bases.set(key, [...(bases.get(key) ?? []), { outDir: members[i].outDir, options: parsed[i] }]);
  }
  return summaries;
}
