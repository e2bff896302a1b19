// PROTOCOL.md's alignment-quality figures measured on a product output (what a model trains on):
// - silhouette IoU of every restored frame with the restored reference frame's silhouette;
// - containment: each aligned but unblanked frame's silhouette share outside the union mask (the source image warped
//   with the transform recorded in the manifest, exactly as compress did);
// - union fraction of the original frame.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { warpImage } from '../../lambdas/core/align/index.ts';
import { loadManifest, loadUnionMask } from '../../lambdas/core/artifacts.ts';
import { decodeImage } from '../../lambdas/core/image-io.ts';
import { containmentOutside, frameSilhouette, silhouetteIou, silhouetteThreshold, summarise, unionFraction } from '../../lambdas/core/metrics/silhouette.ts';
import { restoreFrames } from '../../lambdas/core/restore.ts';
import type { Mask } from '../../lambdas/core/types.ts';
import { LocalStorage } from '../../lambdas/storage/local.ts';

export interface OutputQuality {
  frames: number;
  aligned: number;
  iou: { mean: number; min: number; p5: number; max: number };
  framesBelow: { '0.5': number; '0.6': number };
  containment: { max: number; mean: number; over: number };
  unionFraction: number;
  worst: { name: string; iou: number; containment: number }[];
}

export async function measureOutputQuality(
  outDir: string,
  sourceDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<OutputQuality> {
  const store = new LocalStorage(outDir);
  const m = await loadManifest(store);
  const union = (await loadUnionMask(store, m)) as Mask;
  const refIndex = m.frames.findIndex((f) => f.name === m.reference.name);
  const restored: { name: string; silhouette?: Mask; image: Awaited<ReturnType<typeof decodeImage>>['image'] }[] = [];
  for await (const f of restoreFrames(store)) restored.push({ name: m.frames[f.index].name, image: (await decodeImage(f.png, f.fileName)).image });
  const threshold = silhouetteThreshold(restored[refIndex].image);
  const refSil = await frameSilhouette(restored[refIndex].image, threshold);
  const per: { name: string; iou: number; containment: number }[] = [];
  for (let i = 0; i < m.frames.length; i++) {
    const record = m.frames[i];
    const iou = silhouetteIou(await frameSilhouette(restored[i].image, threshold), refSil);
    const source = (await decodeImage(await readFile(join(sourceDir, record.name)), record.name)).image;
    const aligned = record.transform ? await warpImage(source, record.transform, m.frame.width, m.frame.height) : source;
    const containment = containmentOutside(await frameSilhouette(aligned, threshold), union);
    per.push({ name: record.name, iou, containment });
    onProgress?.(i + 1, m.frames.length);
  }
  const ious = per.map((p) => p.iou);
  const cont = per.map((p) => p.containment);
  return {
    frames: m.frames.length,
    aligned: m.frames.filter((f) => f.alignment?.ok).length,
    iou: summarise(ious),
    framesBelow: { '0.5': ious.filter((v) => v < 0.5).length, '0.6': ious.filter((v) => v < 0.6).length },
    containment: { max: Math.max(...cont), mean: cont.reduce((a, b) => a + b, 0) / cont.length, over: cont.filter((c) => c >= 0.005).length },
    unionFraction: unionFraction(union),
    worst: [...per].sort((a, b) => a.iou - b.iou).slice(0, 8),
  };
}
