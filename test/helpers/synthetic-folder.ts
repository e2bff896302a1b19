// Writes a generated dataset (known poses) to a temporary folder for pipeline tests.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../../lambdas/core/image-io.ts';
import { generateSyntheticDataset } from '../../lambdas/core/synthetic/objects.ts';

export async function tempDir(prefix = 'adreel-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeSyntheticFolder(
  dir: string,
  opts: { count: number; size: number; seed: number; kind?: 'screw' | 'asymmetric' },
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for await (const item of generateSyntheticDataset({ count: opts.count, width: opts.size, height: opts.size, kind: opts.kind ?? 'screw', seed: opts.seed })) {
    await writeFile(join(dir, item.name), await encodePng(item.image));
    names.push(item.name);
  }
  return names;
}
