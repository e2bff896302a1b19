import { readFile } from 'node:fs/promises';
import { decodeImage } from './lambdas/core/image-io.ts';
import { createModelSegmenter, largestComponentFilled, thresholdTestStats, segmentThreshold } from './lambdas/core/segment/index.ts';
import { iou } from './test/unit/segment/synthetic-images.ts';
const seg = await createModelSegmenter({ modelPath: 'models/isnet.onnx', threads: 2 });
const files = ['train/good/000.png','train/good/100.png','train/good/200.png','train/good/300.png','test/scratch_head/000.png','test/thread_side/005.png'];
const times: number[] = []; const ious: number[] = []; const tious: number[] = [];
for (const f of files) {
  const { image } = await decodeImage(await readFile(`/work/shared/data/mvtec-screw/${f}`), f);
  const t0 = performance.now(); const m = await seg.segment(image, f); times.push((performance.now()-t0)/1000);
  const { otsuThreshold } = await thresholdTestStats(f, image);
  const d = new Uint8Array(image.data.length); for (let i=0;i<d.length;i++) d[i]= image.data[i] <= otsuThreshold ? 255:0;
  const o = await largestComponentFilled({width:1024,height:1024,data:d});
  let inside=0, am=0; for (let i=0;i<d.length;i++){ if(m.data[i]){am++; if(o.data[i]) inside++;} }
  let ti = NaN; try { ti = iou(m, await segmentThreshold(image, { name: f })); } catch (e) { console.log('threshold.ts:', (e as Error).message); }
  ious.push(iou(m,o)); tious.push(ti);
  console.log(f, `t=${times.at(-1)!.toFixed(2)}s IoU(otsu)=${iou(m,o).toFixed(3)} inside=${(inside/am).toFixed(3)} IoU(threshold.ts)=${ti.toFixed(3)} model=${(am/1024/1024*100).toFixed(2)}%`);
}
const s=[...times].sort((a,b)=>a-b); console.log('median s', s[s.length>>1].toFixed(2), 'min', s[0].toFixed(2), 'mean IoU otsu', (ious.reduce((a,b)=>a+b)/ious.length).toFixed(3), 'mean IoU threshold.ts', (tious.reduce((a,b)=>a+b)/tious.length).toFixed(3));
await seg.dispose?.();
