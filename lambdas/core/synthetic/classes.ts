// Generated classes that stress each decision adreel takes from a dataset's own statistics (decide/):
//  - registered: a bracket in one fixed pose (sub-pixel jitter only): alignment must not be needed;
//  - rotation-symmetric: a round part at any rotation and small offsets: the silhouette says nothing about rotation;
//  - dark-on-dark: a dark bracket on a darker background, any pose: the threshold's polarity and low contrast;
//  - periodic: a bracket in a nearly fixed pose on a perforated board (structured background), about 2% of the
//    parts deformed (outliers of their own dataset, to be kept and flagged);
//  - texture: a surface with no object, heights varying by a few percent: neither alignment nor mask, one frame size;
//  - colour: an orange bracket on a teal background of the same brightness (RGB), any pose: only colour separates
//    them, so the threshold engine must work on the distance from the background's colour.
// The generator has no defect images; `pose` (canonical object frame -> image) gives the truth for pose errors.
import type { Affine, Image } from '../types.ts';
import { mulberry32 } from '../../ground/prng.ts';
import { renderSyntheticObject, type SyntheticKind, type SyntheticObjectOptions } from './objects.ts';

export const SYNTHETIC_CLASSES = ['registered', 'rotation-symmetric', 'dark-on-dark', 'periodic', 'texture', 'colour'] as const;
export type SyntheticClass = (typeof SYNTHETIC_CLASSES)[number];

export interface SyntheticClassOptions {
  count: number;
  /** frame side (texture: the width; heights vary around it) */
  size: number;
  seed: number;
}

export interface SyntheticClassItem {
  name: string;
  image: Image;
  /** canonical object frame -> image pixels; null for the texture (no object) */
  pose: Affine | null;
  /** a deformed part (periodic class) */
  deformed: boolean;
}

/** Every 50th image of the periodic class (offset 7) is deformed: 2%. */
export function isDeformedIndex(i: number): boolean {
  return i % 50 === 7;
}

export async function* generateSyntheticClass(cls: SyntheticClass, opts: SyntheticClassOptions): AsyncIterable<SyntheticClassItem> {
  const random = mulberry32((opts.seed ^ 0xc1a55) >>> 0);
  const jitter = (amplitude: number) => (random() * 2 - 1) * amplitude;
  // a bracket at any rotation, scale 0.95-1.05, offsets up to 12% of the frame (the draws in this order)
  const anyPose = () => {
    const angleDeg = random() * 360;
    const scale = 0.95 + 0.1 * random();
    const tx = jitter(0.12 * opts.size);
    return { kind: 'asymmetric' as const, angleDeg, scale, tx, ty: jitter(0.12 * opts.size) };
  };
  for (let i = 0; i < opts.count; i++) {
    const name = `${cls}-${String(i).padStart(3, '0')}.png`;
    const shotSeed = (opts.seed * 7919 + i) >>> 0;
    if (cls === 'texture') {
      const height = Math.round(opts.size * (1 + jitter(0.03)));
      yield { name, image: renderTexture(opts.size, height, shotSeed), pose: null, deformed: false };
      continue;
    }
    const base = { width: opts.size, height: opts.size, seed: shotSeed };
    let shot: Omit<SyntheticObjectOptions, 'width' | 'height' | 'seed'> & { kind: SyntheticKind };
    let deformed = false;
    switch (cls) {
      case 'registered':
        shot = { kind: 'asymmetric', angleDeg: 0, scale: 1, tx: jitter(0.3), ty: jitter(0.3) };
        break;
      case 'rotation-symmetric':
        shot = { kind: 'disc', angleDeg: random() * 360, scale: 1 + jitter(0.02), tx: jitter(0.06 * opts.size), ty: jitter(0.06 * opts.size) };
        break;
      case 'dark-on-dark':
        shot = { ...anyPose(), backgroundLevel: 28, objectShift: -35 };
        break;
      case 'colour':
        // the bracket's surface averages ~100 grey levels: the background matches it
        shot = { ...anyPose(), backgroundLevel: 100, tint: { object: [1.4, 0.9, 0.5], background: [0.6, 1.1, 1.2] } };
        break;
      case 'periodic':
        deformed = isDeformedIndex(i);
        shot = {
          kind: 'asymmetric',
          angleDeg: jitter(0.3),
          scale: 1,
          tx: jitter(0.5),
          ty: jitter(0.5),
          perforationPitch: Math.max(6, Math.round(opts.size / 24)),
          deform: deformed ? 0.18 : 0,
        };
        break;
    }
    const rendered = renderSyntheticObject({ ...base, ...shot });
    yield { name, image: rendered.image, pose: rendered.pose, deformed };
  }
}

/** A ground-metal-like surface: fine streaks along x, value noise, no object. */
function renderTexture(width: number, height: number, seed: number): Image {
  const random = mulberry32(seed);
  const rows = Float64Array.from({ length: height }, () => random());
  const data = new Uint8Array(width * height);
  const phase = random() * 100;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const streak = 14 * (rows[y] - 0.5) + 6 * Math.sin((x + phase) / 9 + rows[y] * 3);
      const v = 128 + streak + 4 * (random() - 0.5) * 2;
      data[y * width + x] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { width, height, channels: 1, data };
}
