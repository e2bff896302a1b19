// upload: copy a dataset folder to the ingest bucket, then write the `<dataset>/_READY` marker LAST: the marker is
// what starts the cloud pipeline, so it must only appear once every image is in place. The marker carries the
// compress options (the same ones `adreel compress` takes), validated here before anything is uploaded.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../../ground/errors.ts';
import { IMAGE_NAME } from '../../core/dataset.ts';
import { DatasetName, MARKER } from '../../ground/run-contract.ts';
import { S3Storage } from '../../storage/s3.ts';
import { MarkerContent } from '../../core/compress/marker.ts';
import type { Command } from '../command.ts';
import { intOption, stringOption } from './args.ts';

export const runUpload: Command = {
  usage: 'upload <folder> s3://<ingest-bucket>/<dataset> [--crf N] [--preset P] [--threads N] [--lossless] [--endpoint URL]',
  positionals: 2,
  options: {
    crf: { type: 'string' },
    preset: { type: 'string' },
    threads: { type: 'string' },
    lossless: { type: 'boolean' },
    endpoint: { type: 'string' },
  },
  async run([folder, target], v) {
    const m = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(target);
    if (!m) throw new UsageError(`target must be s3://<bucket>/<dataset>, got "${target}"`);
    const [, bucket, datasetText] = m;
    const dataset = DatasetName.safeParse(datasetText);
    if (!dataset.success) throw new UsageError(`dataset "${datasetText}": ${dataset.error.issues[0].message}`);
    const options = Object.fromEntries(
      Object.entries({
        crf: intOption(v.crf, '--crf', 0, 51),
        preset: stringOption(v.preset),
        threads: intOption(v.threads, '--threads', 1, 64),
        lossless: v.lossless ? true : undefined,
      }).filter(([, x]) => x !== undefined),
    );
    const marker = MarkerContent.safeParse({ options });
    if (!marker.success) throw new UsageError(`invalid options: ${marker.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

    // an MVTec category uploads its train/good images into the same layout the pipeline reads
    const files = await imagesToUpload(folder);
    if (files.length === 0) throw new UsageError(`${folder}: no images (.png, .jpg, .jpeg, .tif, .tiff, .webp)`);
    const endpoint = stringOption(v.endpoint);
    const client = new S3Client(endpoint ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' } : {});
    const store = new S3Storage(client, bucket, dataset.data);
    const t0 = performance.now();
    let bytes = 0;
    try {
      for (const f of files) {
        await store.putFile(f.key, f.path);
        bytes += f.bytes;
      }
      await store.put(MARKER, Buffer.from(JSON.stringify(marker.data)));
    } finally {
      client.destroy();
    }
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`adreel: uploaded ${files.length} images (${(bytes / 1e6).toFixed(1)} MB) to s3://${bucket}/${dataset.data}/ in ${s}s; wrote ${MARKER}`);
    return 0;
  },
};

async function imagesToUpload(folder: string): Promise<{ path: string; key: string; bytes: number }[]> {
  const trainGood = join(folder, 'train', 'good');
  const isMvtec = await stat(trainGood).then((st) => st.isDirectory(), () => false);
  const dir = isMvtec ? trainGood : folder;
  const prefix = isMvtec ? 'train/good/' : '';
  const out = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isFile() || !IMAGE_NAME.test(e.name)) continue;
    out.push({ path: join(dir, e.name), key: `${prefix}${e.name}`, bytes: (await stat(join(dir, e.name))).size });
  }
  return out;
}
