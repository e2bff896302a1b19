// Generated test scenes for the segmenters: a screw-like dark object on a plain or on a cluttered background.
import { mulberry32 } from '../../../lambdas/ground/prng.ts';
import type { Image, Mask } from '../../../lambdas/core/types.ts';

/** A small deterministic PRNG, so every run draws the same scene. */
export const seededRandom = mulberry32;

export interface ObjectPose {
  centreX: number;
  centreY: number;
  /** radians */
  angle: number;
  /** half length and half width of the capsule, in pixels */
  halfLength: number;
  halfWidth: number;
}

/** True where (x, y) is inside the capsule (a rectangle with round ends) of `pose`. */
function insideCapsule(x: number, y: number, pose: ObjectPose): boolean {
  const dx = x - pose.centreX;
  const dy = y - pose.centreY;
  const along = dx * Math.cos(pose.angle) + dy * Math.sin(pose.angle);
  const across = -dx * Math.sin(pose.angle) + dy * Math.cos(pose.angle);
  const clamped = Math.max(-pose.halfLength, Math.min(pose.halfLength, along));
  return (along - clamped) ** 2 + across ** 2 <= pose.halfWidth ** 2;
}

/** The true mask of the object in a scene of `size` x `size`. */
export function objectMask(size: number, pose: ObjectPose): Mask {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (insideCapsule(x + 0.5, y + 0.5, pose)) data[y * size + x] = 255;
  return { width: size, height: size, data };
}

/**
 * A dark, shaded capsule on a light background with sensor noise, the way an MVTec screw looks.
 * `clutter` > 0 replaces the plain background by high-contrast blobs of that amplitude (a cluttered bench).
 */
export function objectScene(size: number, pose: ObjectPose, options: { seed: number; clutter?: number; channels?: 1 | 3 }): Image {
  const random = seededRandom(options.seed);
  const channels = options.channels ?? 1;
  const blobs = Array.from({ length: options.clutter ? 40 : 0 }, () => ({
    x: random() * size,
    y: random() * size,
    radius: (0.03 + 0.08 * random()) * size,
    sign: random() < 0.5 ? -1 : 1,
  }));
  const data = new Uint8Array(size * size * channels);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let value: number;
      if (insideCapsule(x + 0.5, y + 0.5, pose)) {
        // Metallic shading across the object: 60..110.
        const across = -(x - pose.centreX) * Math.sin(pose.angle) + (y - pose.centreY) * Math.cos(pose.angle);
        value = 85 + 25 * Math.cos((Math.PI * across) / pose.halfWidth);
      } else {
        value = 190 + 10 * (x / size); // a faint lighting gradient
        for (const blob of blobs) {
          const d2 = ((x - blob.x) ** 2 + (y - blob.y) ** 2) / blob.radius ** 2;
          if (d2 < 1) value += blob.sign * (options.clutter ?? 0) * (1 - d2);
        }
      }
      value += (random() - 0.5) * 8;
      const byte = Math.max(0, Math.min(255, Math.round(value)));
      for (let c = 0; c < channels; c++) data[(y * size + x) * channels + c] = byte;
    }
  }
  return { width: size, height: size, channels, data };
}

export function iou(a: Mask, b: Mask): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    const inA = a.data[i]! > 0;
    const inB = b.data[i]! > 0;
    if (inA && inB) intersection++;
    if (inA || inB) union++;
  }
  return union === 0 ? 1 : intersection / union;
}
