// Generated test objects with known poses, for the tests and the product's demo. Each object is a procedural
// shape + texture in its own canonical frame (origin at the object's centre, x along its long axis, units =
// pixels at scale 1), rendered anti-aliased (4x4 supersampled coverage) onto a plain background with a gentle
// illumination gradient and mild noise.
//  - 'screw': elongated, periodic thread, a head that flares only a little more than the thread and a tapered
//    tip: the hard case (near-symmetric outline, thread that invites sliding by one pitch).
//  - 'asymmetric': an L-shaped bracket with a texture: no symmetry at all.
//  - 'disc': a round part seen from above (rim, concentric grooves, a faint radial texture): a rotation-symmetric
//    silhouette, like MVTec's bottle.
// Options vary the scene for the decision tests (synthetic/classes.ts): background level, object brightness
// (a dark object on a dark background), a perforated-board background, a deformed outline, and colour: object
// and background tinted with two colours of equal luminance (RGB output).
import type { Affine, Image, Mask } from '../types.ts';
import { applyAffine, invertAffine, similarityFromParams } from '../align/affine.ts';
import { mulberry32 } from '../../ground/prng.ts';


export type SyntheticKind = 'screw' | 'asymmetric' | 'disc';

export interface SyntheticObjectOptions {
  kind: SyntheticKind;
  width: number;
  height: number;
  /** rotation of the object, degrees */
  angleDeg: number;
  scale: number;
  /** offset of the object's centre from the frame's centre, pixels */
  tx: number;
  ty: number;
  /** seed of the background noise and illumination (differs per shot) */
  seed: number;
  /** seed of the object's own texture (the same physical object in every shot); default fixed per kind */
  objectSeed?: number;
  /** grey level of the background (default 200) */
  backgroundLevel?: number;
  /** added to the object's surface grey levels (negative: darker) */
  objectShift?: number;
  /** a perforated board: dark holes of this pitch (pixels) on the background */
  perforationPitch?: number;
  /** bends the object's outline: a bump of this height (fraction of the object's size) on one side */
  deform?: number;
  /** RGB output: each grey level times these per-channel factors (each normalised to luminance 1, so the tint
   *  changes the colour, not the brightness) for the object's surface and for the background */
  tint?: { object: [number, number, number]; background: [number, number, number] };
}

export interface SyntheticObject {
  image: Image;
  /** the object's exact coverage >= 0.5 */
  mask: Mask;
  /** canonical object frame -> image pixels */
  pose: Affine;
  /** the corners of the object's canonical bounding box, in image pixels */
  corners: [number, number][];
}

export interface SyntheticDatasetOptions {
  count: number;
  width: number;
  height: number;
  kind: SyntheticKind;
  seed: number;
}

export interface SyntheticDatasetItem {
  name: string;
  image: Image;
  /** canonical object frame -> image pixels */
  pose: Affine;
}

const SUPERSAMPLE = 4;
const BACKGROUND_LEVEL = 200;
const NOISE_SIGMA = 2;
const GRADIENT_AMPLITUDE = 12;

/** An object's geometry and appearance in its canonical frame. */
interface ObjectModel {
  /** canonical bounding box: |x| <= halfLength, |y| <= halfWidth (for the L: its own box) */
  box: { x0: number; y0: number; x1: number; y1: number };
  inside(u: number, v: number): boolean;
  /** grey level of the object's surface at (u, v) */
  shade(u: number, v: number): number;
}

export function renderSyntheticObject(opts: SyntheticObjectOptions): SyntheticObject {
  const { width, height } = opts;
  if (!(width >= 16 && height >= 16)) throw new RangeError(`synthetic frame ${width}x${height} is too small (16x16 at least)`);
  const base = Math.min(width, height);
  const plain = opts.kind === 'screw' ? screwModel(base, opts.objectSeed ?? 7) : opts.kind === 'disc' ? discModel(base, opts.objectSeed ?? 5) : bracketModel(base, opts.objectSeed ?? 11);
  const model = adjustModel(plain, opts.objectShift ?? 0, opts.deform ?? 0);
  const backgroundLevel = opts.backgroundLevel ?? BACKGROUND_LEVEL;
  const pitch = opts.perforationPitch ?? 0;
  const holeRadius = 0.22 * pitch;
  const pose = similarityFromParams({ scale: opts.scale, angleDeg: opts.angleDeg, tx: width / 2 + opts.tx, ty: height / 2 + opts.ty });
  const toCanonical = invertAffine(pose);
  const { x0, y0, x1, y1 } = model.box;
  const corners: [number, number][] = [
    applyAffine(pose, [x0, y0]),
    applyAffine(pose, [x1, y0]),
    applyAffine(pose, [x1, y1]),
    applyAffine(pose, [x0, y1]),
  ];

  const random = mulberry32(opts.seed);
  const gradientAngle = random() * 2 * Math.PI;
  const gx = (Math.cos(gradientAngle) * GRADIENT_AMPLITUDE) / width;
  const gy = (Math.sin(gradientAngle) * GRADIENT_AMPLITUDE) / height;
  const channels = opts.tint ? 3 : 1;
  const objectTint = opts.tint ? unitLuminance(opts.tint.object) : [1];
  const backgroundTint = opts.tint ? unitLuminance(opts.tint.background) : [1];
  const data = new Uint8Array(width * height * channels);
  const maskData = new Uint8Array(width * height);

  // Only pixels near the object need supersampling.
  const px0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))) - 2);
  const px1 = Math.min(width - 1, Math.ceil(Math.max(...corners.map((c) => c[0]))) + 2);
  const py0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))) - 2);
  const py1 = Math.min(height - 1, Math.ceil(Math.max(...corners.map((c) => c[1]))) + 2);
  const [a, b, c0, c, d, c1] = toCanonical;
  const samples = SUPERSAMPLE * SUPERSAMPLE;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let background = backgroundLevel + gx * (x - width / 2) + gy * (y - height / 2);
      if (pitch > 0) {
        const hx = (x % pitch) - pitch / 2;
        const hy = (y % pitch) - pitch / 2;
        if (hx * hx + hy * hy <= holeRadius * holeRadius) background -= 0.6 * backgroundLevel;
      }
      let coverage = 0;
      let surface = 0;
      if (x >= px0 && x <= px1 && y >= py0 && y <= py1) {
        let covered = 0;
        for (let sy = 0; sy < SUPERSAMPLE; sy++) {
          const yy = y + (sy + 0.5) / SUPERSAMPLE - 0.5;
          for (let sx = 0; sx < SUPERSAMPLE; sx++) {
            const xx = x + (sx + 0.5) / SUPERSAMPLE - 0.5;
            if (model.inside(a * xx + b * yy + c0, c * xx + d * yy + c1)) covered++;
          }
        }
        if (covered > 0) {
          coverage = covered / samples;
          surface = model.shade(a * x + b * y + c0, c * x + d * y + c1);
          if (coverage >= 0.5) maskData[y * width + x] = 255;
        }
      }
      const p = (y * width + x) * channels;
      for (let k = 0; k < channels; k++) {
        const value = coverage * surface * objectTint[k]! + (1 - coverage) * background * backgroundTint[k]!;
        data[p + k] = clampByte(value + NOISE_SIGMA * gaussian(random));
      }
    }
  }
  return { image: { width, height, channels, data }, mask: { width, height, data: maskData }, pose, corners };
}

/** `count` shots of one object: rotation 0-360 deg, scale 0.9-1.1, offset up to 15% of the frame per axis. */
export async function* generateSyntheticDataset(opts: SyntheticDatasetOptions): AsyncIterable<SyntheticDatasetItem> {
  const random = mulberry32(opts.seed ^ 0x5eed);
  for (let i = 0; i < opts.count; i++) {
    const shot = renderSyntheticObject({
      kind: opts.kind,
      width: opts.width,
      height: opts.height,
      angleDeg: random() * 360,
      scale: 0.9 + 0.2 * random(),
      tx: (random() * 2 - 1) * 0.15 * opts.width,
      ty: (random() * 2 - 1) * 0.15 * opts.height,
      seed: (opts.seed * 7919 + i) >>> 0,
    });
    yield { name: `${opts.kind}-${String(i).padStart(3, '0')}.png`, image: shot.image, pose: shot.pose };
  }
}

/**
 * A wood screw lying along x: tapered tip at -x, thread, plain shank, countersunk head at +x. Lengths are
 * fractions of the frame so that any pose of the dataset stays inside it.
 */
function screwModel(base: number, objectSeed: number): ObjectModel {
  const length = 0.55 * base;
  const half = length / 2;
  const core = 0.055 * length;
  const depth = 0.03 * length;
  const pitch = 0.065 * length;
  const tipLength = 0.12 * length;
  const shankLength = 0.22 * length;
  const headLength = 0.07 * length;
  const shank = core + 0.6 * depth;
  const headRadius = 1.15 * (core + depth);
  const threadStart = -half + tipLength;
  const threadEnd = half - headLength - shankLength;
  const texture = valueNoise(objectSeed, 0.02 * length);

  const profile = (u: number): number => {
    if (u < -half || u > half) return -1;
    if (u > half - headLength) return shank + ((headRadius - shank) * (u - (half - headLength))) / headLength;
    if (u > threadEnd) return shank;
    const phase = (((u - threadStart) / pitch) % 1 + 1) % 1;
    const tooth = core + depth * (phase < 0.5 ? phase * 2 : 2 - phase * 2);
    if (u >= threadStart) return tooth;
    return tooth * Math.max(0.08, (u + half) / tipLength);
  };
  return {
    box: { x0: -half, y0: -headRadius, x1: half, y1: headRadius },
    inside: (u, v) => Math.abs(v) <= profile(u),
    shade: (u, v) => {
      const r = profile(u);
      const across = r > 0 ? Math.max(-1, Math.min(1, v / r)) : 0;
      // Lit from +y in the object's frame, a thread groove every pitch, a darker head recess.
      let level = 105 + 30 * across - 25 * across * across;
      if (u >= -half && u <= threadEnd) level -= 18 * Math.cos((2 * Math.PI * (u - threadStart)) / pitch);
      if (u > half - headLength * 0.6 && Math.abs(v) < 0.35 * headRadius) level -= 30;
      return level + 10 * (texture(u, v) - 0.5);
    },
  };
}

/** The surface shifted in brightness, and the outline bent: a bump on the +y side (deformed parts). */
function adjustModel(model: ObjectModel, shift: number, deform: number): ObjectModel {
  if (shift === 0 && deform === 0) return model;
  const { x0, y0, x1, y1 } = model.box;
  const size = Math.max(x1 - x0, y1 - y0);
  const bump = deform * size;
  const cx = (x0 + x1) / 2;
  const inside = deform === 0 ? model.inside : (u: number, v: number) => {
    // a half-disc of radius `bump` added at the middle of the top edge
    const du = u - cx;
    const dv = v - y1;
    return model.inside(u, v) || (dv >= -1 && du * du + dv * dv <= bump * bump);
  };
  return {
    box: deform === 0 ? model.box : { x0, y0, x1, y1: y1 + bump },
    inside,
    shade: (u, v) => model.shade(u, Math.min(v, y1)) + shift,
  };
}

/** A round part seen from above: a disc with a lighter rim and concentric grooves; the texture is faint. */
function discModel(base: number, objectSeed: number): ObjectModel {
  const radius = 0.3 * base;
  const texture = valueNoise(objectSeed, 0.05 * radius);
  return {
    box: { x0: -radius, y0: -radius, x1: radius, y1: radius },
    inside: (u, v) => u * u + v * v <= radius * radius,
    shade: (u, v) => {
      const r = Math.hypot(u, v) / radius;
      return 70 + 40 * r * r - 15 * Math.cos(r * 6 * Math.PI) + 6 * (texture(u, v) - 0.5);
    },
  };
}

/** An L-shaped bracket: a long bar along x and a shorter one along y, joined at one end. */
function bracketModel(base: number, objectSeed: number): ObjectModel {
  const size = 0.44 * base;
  const half = size / 2;
  const bar = 0.26 * size;
  const texture = valueNoise(objectSeed, 0.03 * size);
  const inside = (u: number, v: number): boolean =>
    u >= -half && u <= half && v >= -half && v <= half && (v >= half - bar || u <= -half + bar);
  return {
    box: { x0: -half, y0: -half, x1: half, y1: half },
    inside,
    shade: (u, v) => 80 + (25 * (u + half)) / size + (15 * (v + half)) / size + 24 * (texture(u, v) - 0.5),
  };
}

/** Smooth value noise in [0, 1) with lattice spacing `cell`, deterministic in (u, v, seed). */
function valueNoise(seed: number, cell: number): (u: number, v: number) => number {
  const lattice = (i: number, j: number): number => {
    let h = (Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (u, v) => {
    const x = u / cell;
    const y = v / cell;
    const i = Math.floor(x);
    const j = Math.floor(y);
    const fx = smooth(x - i);
    const fy = smooth(y - j);
    const top = lattice(i, j) + (lattice(i + 1, j) - lattice(i, j)) * fx;
    const bottom = lattice(i, j + 1) + (lattice(i + 1, j + 1) - lattice(i, j + 1)) * fx;
    return top + (bottom - top) * fy;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The factors scaled so that their luminance (Rec. 601 weights) is 1. */
function unitLuminance([r, g, b]: [number, number, number]): number[] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  return [r / y, g / y, b / y];
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
