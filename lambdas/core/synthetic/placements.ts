// Generated classes with known poses and known misplacements, for the pose check (core/pose): a part in a fixed
// pose ('tight': small jitter around one pose; 'fixed': sub-pixel jitter only, an already registered dataset) or
// lying anywhere ('spread': like the screws), and test shots that are good (same pose distribution as training)
// or misplaced (shifted by 5-10% of the object's length in a random direction, or turned by 10-20 degrees either
// way, on top of the jitter; shifts only with `turns: false`, e.g. for a round part whose turn is invisible).
import { similarityFromParams } from '../align/affine.ts';
import type { Affine, Image } from '../types.ts';
import { mulberry32 } from '../../ground/prng.ts';
import { renderSyntheticObject, type SyntheticKind } from './objects.ts';

export type PlacementSpread = 'fixed' | 'tight' | 'spread';
export type ShotRole = 'train' | 'good' | 'misplaced';

export interface PlacementClassOptions {
  kind: SyntheticKind;
  spread: PlacementSpread;
  size: number;
  train: number;
  good: number;
  misplaced: number;
  seed: number;
  /** the tight class's translation jitter (standard deviation, share of the length); default TIGHT_JITTER's */
  shiftJitter?: number;
  /** misplacements alternate shifts and turns (default); false: shifts only */
  turns?: boolean;
}

export interface PlacedPose {
  name: string;
  role: ShotRole;
  /** the pose drawn (offset of the object's centre from the frame's centre, px; rotation, deg; scale) */
  truth: { tx: number; ty: number; angleDeg: number; scale: number };
  /** what was done to a misplaced shot on top of its normal pose */
  misplacement?: { shiftPct: number; turnDeg: number };
}

export interface PlacedShot extends PlacedPose {
  image: Image;
}

/** The tight class's jitter (standard deviations): translation as a share of the object's length, rotation, scale. */
export const TIGHT_JITTER = { shiftOfLength: 0.005, angleDeg: 1, scale: 0.005 };
/** The fixed class's jitter: uniform, pixels (as synthetic/classes.ts 'registered'). */
export const FIXED_JITTER_PX = 0.3;
/** Misplacements: a shift of [5%, 10%] of the length or a turn of [10, 20] degrees (alternating). */
export const MISPLACEMENT = { shiftPct: [5, 10] as const, turnDeg: [10, 20] as const };

/** The object's length at scale 1 in a frame of `size` (long side of its canonical box). */
export function objectLength(kind: SyntheticKind, size: number): number {
  const shot = renderSyntheticObject({ kind, width: 32, height: 32, angleDeg: 0, scale: 1, tx: 0, ty: 0, seed: 0 });
  const [a, b, , d] = shot.corners;
  return (Math.max(Math.hypot(b[0] - a[0], b[1] - a[1]), Math.hypot(d[0] - a[0], d[1] - a[1])) * size) / 32;
}

/** The poses of a class's shots (train first, then good, then misplaced), without rendering them. */
export function* placementPoses(opts: PlacementClassOptions): Iterable<PlacedPose> {
  const random = mulberry32(opts.seed ^ 0x9051);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const length = objectLength(opts.kind, opts.size);
  const normalPose = () =>
    opts.spread === 'fixed'
      ? { tx: (random() * 2 - 1) * FIXED_JITTER_PX, ty: (random() * 2 - 1) * FIXED_JITTER_PX, angleDeg: 0, scale: 1 }
      : opts.spread === 'tight'
      ? {
          tx: gauss() * (opts.shiftJitter ?? TIGHT_JITTER.shiftOfLength) * length,
          ty: gauss() * (opts.shiftJitter ?? TIGHT_JITTER.shiftOfLength) * length,
          angleDeg: gauss() * TIGHT_JITTER.angleDeg,
          scale: 1 + gauss() * TIGHT_JITTER.scale,
        }
      : {
          tx: (random() * 2 - 1) * 0.12 * opts.size,
          ty: (random() * 2 - 1) * 0.12 * opts.size,
          angleDeg: random() * 360,
          scale: 0.92 + 0.16 * random(),
        };
  const roles: ShotRole[] = [
    ...Array<ShotRole>(opts.train).fill('train'),
    ...Array<ShotRole>(opts.good).fill('good'),
    ...Array<ShotRole>(opts.misplaced).fill('misplaced'),
  ];
  let misplacedIndex = 0;
  for (let i = 0; i < roles.length; i++) {
    const role = roles[i];
    const truth = normalPose();
    let misplacement: PlacedShot['misplacement'];
    if (role === 'misplaced') {
      const lerp = (r: readonly [number, number]) => r[0] + (r[1] - r[0]) * random();
      if (opts.turns === false || misplacedIndex++ % 2 === 0) {
        const shiftPct = lerp(MISPLACEMENT.shiftPct);
        const direction = random() * 2 * Math.PI;
        truth.tx += (Math.cos(direction) * shiftPct * length) / 100;
        truth.ty += (Math.sin(direction) * shiftPct * length) / 100;
        misplacement = { shiftPct, turnDeg: 0 };
      } else {
        const turnDeg = lerp(MISPLACEMENT.turnDeg) * (random() < 0.5 ? -1 : 1);
        truth.angleDeg += turnDeg;
        misplacement = { shiftPct: 0, turnDeg };
      }
    }
    yield { name: `${role}-${String(i).padStart(3, '0')}.png`, role, truth, ...(misplacement ? { misplacement } : {}) };
  }
}

/** The shots rendered: the same object, a different background noise per shot. */
export function* placementClass(opts: PlacementClassOptions): Iterable<PlacedShot> {
  let i = 0;
  for (const p of placementPoses(opts)) {
    const shot = renderSyntheticObject({ kind: opts.kind, width: opts.size, height: opts.size, ...p.truth, seed: (opts.seed * 7919 + i++) >>> 0 });
    yield { ...p, image: shot.image };
  }
}

/** canonical object frame -> image pixels of a pose drawn here (as renderSyntheticObject places it). */
export function placementMatrix(truth: PlacedPose['truth'], size: number): Affine {
  return similarityFromParams({ scale: truth.scale, angleDeg: truth.angleDeg, tx: size / 2 + truth.tx, ty: size / 2 + truth.ty });
}
