// upload: copy a dataset folder to the ingest bucket, then write the `<dataset>/_READY` marker LAST: the marker is
// what starts the cloud pipeline, so it must only appear once every image is in place. The marker carries the
// compress options (the same flags as `adreel compress`, bar the model), validated here before anything is uploaded.
import { stat } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { MARKER_EXCLUDED, MarkerOptionsSchema } from '../../core/compress/options.ts';
import { UsageError } from '../../ground/errors.ts';
import { mvtecClasses, resolveDataset } from '../../core/dataset.ts';
import { DatasetName, MARKER } from '../../ground/run-contract.ts';
import { LocalStorage } from '../../storage/local.ts';
import { S3Storage } from '../../storage/s3.ts';
import type { Command } from '../command.ts';
import { flaggedOptions, optionFlagConfig, optionUsage, parseOptionFlags, stringOption } from './args.ts';

/** Every option a marker accepts (options.ts: all but MARKER_EXCLUDED), with the same flags as compress. */
const OPTION_KEYS = flaggedOptions(MARKER_EXCLUDED);

export const runUpload: Command = {
  usage: `upload <folder> s3://<ingest-bucket>/<dataset> ${optionUsage(OPTION_KEYS)} [--endpoint URL]`,
  positionals: 2,
  options: {
    ...optionFlagConfig(OPTION_KEYS),
    endpoint: { type: 'string' },
  },
  async run([folder, target], v) {
    const m = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(target);
    if (!m) throw new UsageError(`target must be s3://<bucket>/<dataset>, got "${target}"`);
    const [, bucket, datasetText] = m;
    const dataset = DatasetName.safeParse(datasetText);
    if (!dataset.success) throw new UsageError(`dataset "${datasetText}": ${dataset.error.issues[0].message}`);
    // checked here, before anything is uploaded; the marker records the complete options (defaults filled in)
    const { options } = parseOptionFlags(MarkerOptionsSchema, v, OPTION_KEYS);
    const marker = { options };

    if (!(await stat(folder).then((st) => st.isDirectory(), () => false))) throw new UsageError(`${folder}: not a folder`);
    const files = await imagesToUpload(folder);
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
      await store.put(MARKER, Buffer.from(JSON.stringify(marker)));
    } finally {
      client.destroy();
    }
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`adreel: uploaded ${files.length} images (${(bytes / 1e6).toFixed(1)} MB) to s3://${bucket}/${dataset.data}/ in ${s}s; wrote ${MARKER}`);
    return 0;
  },
};

/** The images the pipeline will read, by the same layout rule as compress (lambdas/core/dataset.ts): an MVTec root
 * uploads each category's train/good, a category its train/good, a folder its own images; keys keep that layout. */
async function imagesToUpload(folder: string): Promise<{ path: string; key: string; bytes: number }[]> {
  const store = new LocalStorage(folder);
  const classes = await mvtecClasses(store, '');
  const prefixes = classes ? classes : [''];
  const out = [];
  for (const prefix of prefixes) {
    for (const e of (await resolveDataset(store, prefix)).listing.entries) out.push({ path: store.path(e.key), key: e.key, bytes: e.bytes });
  }
  return out;
}
