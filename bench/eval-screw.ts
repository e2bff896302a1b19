// Full PaDiM evaluation of the real MVTec screw category (320 train / 160 test) under PROTOCOL.md.
// Usage: node --import tsx bench/eval-screw.ts [seed ...] [--json PATH] [--data DIR] [--backbone PATH]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateCategory, type EvalResult } from '../lambdas/eval/evaluate.ts';
import { walkArgs } from './lib/args.ts';

interface BenchArguments {
  seeds: number[];
  jsonPath?: string;
  dataDir: string;
  backbone?: string;
}

function parseArguments(argv: string[]): BenchArguments {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const sharedRoot = process.env.ADREEL_SHARED || path.resolve(repoRoot, '..', 'shared');
  const parsed: BenchArguments = { seeds: [], dataDir: path.join(sharedRoot, 'data', 'mvtec-screw') };
  walkArgs(argv, (argument, value) => {
    if (argument === '--json') parsed.jsonPath = value();
    else if (argument === '--data') parsed.dataDir = value();
    else if (argument === '--backbone') parsed.backbone = value();
    else if (/^\d+$/.test(argument)) parsed.seeds.push(Number(argument));
    else throw new Error(`unknown argument ${argument}; usage: eval-screw.ts [seed ...] [--json PATH] [--data DIR] [--backbone PATH]`);
  });
  if (parsed.seeds.length === 0) parsed.seeds.push(0);
  return parsed;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  let lastStage = '';
  const results: EvalResult[] = await evaluateCategory(args.dataDir, {
    seeds: args.seeds,
    backbone: args.backbone,
    onProgress: (stage, done, total) => {
      if (stage !== lastStage || done === total || done % 80 === 0) process.stderr.write(`${stage} ${done}/${total}\n`);
      lastStage = stage;
    },
  });
  for (const result of results) {
    const s = result.seconds;
    console.log(
      `seed ${result.seed}: image AUROC ${result.imageAuroc.toFixed(4)}  pixel AUROC ${result.pixelAuroc.toFixed(4)}  ` +
        `(train ${result.trainCount}, test ${result.testCount})  seconds: features ${s.features.toFixed(1)} ` +
        `fit ${s.fit.toFixed(1)} score ${s.score.toFixed(1)} total ${s.total.toFixed(1)}`,
    );
  }
  if (results.length > 1) {
    const image = results.map((result) => result.imageAuroc);
    const pixel = results.map((result) => result.pixelAuroc);
    console.log(
      `mean over seeds ${args.seeds.join(',')}: image ${mean(image).toFixed(4)} ` +
        `(${Math.min(...image).toFixed(4)}..${Math.max(...image).toFixed(4)})  pixel ${mean(pixel).toFixed(4)} ` +
        `(${Math.min(...pixel).toFixed(4)}..${Math.max(...pixel).toFixed(4)})`,
    );
  }
  console.log(`backbone ${results[0].backbone.path} sha256 ${results[0].backbone.sha256}`);
  if (args.jsonPath) {
    writeFileSync(args.jsonPath, JSON.stringify({ dataDir: args.dataDir, results }, null, 2) + '\n');
    console.log(`wrote ${args.jsonPath}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
