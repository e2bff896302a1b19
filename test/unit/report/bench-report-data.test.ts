// The benchmark side of the report: seed statistics, cache keys, and how Table 1 / sweep results become tables
// and plot series (bench/lib/table1), on synthetic results.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, keyOf } from '../../../bench/lib/table1/fingerprint.ts';
import { ratePlot, sweepTables, table1Table, type SweepPoint, type SweepResults, type Table1Results, type Table1Row } from '../../../bench/lib/table1/report-data.ts';
import type { RunInfo } from '../../../bench/lib/table1/results.ts';
import { formatStats, seedStats } from '../../../bench/lib/table1/stats.ts';
import { TABLE1_ROWS } from '../../../bench/lib/table1/variants.ts';

const RUN: RunInfo = {
  generatedAt: '2025-01-01T00:00:00.000Z',
  command: 'test',
  seeds: [0, 1, 2],
  inputs: { dataDir: '/data', subset: false, trainCount: 320, testCount: 160, trainBytes: 124_000_000, trainIdentity: 'a', testIdentity: 'b' },
  buildFingerprint: { tool: '0.1.0', core: 'c'.repeat(64), coreFiles: 1, ffmpeg: 'PATH:5', packages: {} },
  evalFingerprint: { eval: 'e'.repeat(64), evalFiles: 1, backbonePath: '/m.onnx', backboneSha256: 'f'.repeat(64), onnxruntime: '1', sharp: '1' },
  wallSeconds: 60,
  cpuSeconds: 100,
  jobs: 2,
  machine: { cpus: 2, loadAverageAtStart: [1, 1, 1], loadAverageAtEnd: [1, 1, 1] },
  failures: [],
};

function point(id: string, bytes: number, image: number[], pixel: number[]): Omit<Table1Row, 'row' | 'percentOfRow1'> {
  const spec = TABLE1_ROWS.find((r) => r.spec.id === id)?.spec ?? { id, label: id, kind: 'raw' as const };
  return {
    id,
    label: spec.label,
    settings: 'x',
    spec,
    bytes,
    image: seedStats(image.map((value, seed) => ({ seed, value }))),
    pixel: seedStats(pixel.map((value, seed) => ({ seed, value }))),
    build: { key: id, bytes, inputBytes: 124_000_000, frames: 320, seconds: { build: 1 } },
    trainDir: '/t',
    evalSeconds: null,
    cached: { build: true, eval: true },
    seconds: { build: 0, eval: 0, total: 0 },
    cpuSeconds: null,
  };
}

describe('seed statistics', () => {
  it('mean, range and sample sd', () => {
    const s = seedStats([0.8, 0.82, 0.84].map((value, seed) => ({ seed, value })));
    assert.ok(Math.abs(s.mean - 0.82) < 1e-12);
    assert.equal(s.min, 0.8);
    assert.equal(s.max, 0.84);
    assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
    assert.equal(formatStats(s), '0.8200 (0.8000..0.8400)');
    assert.equal(formatStats(seedStats([{ seed: 0, value: 0.5 }])), '0.5000');
  });
});

describe('cache keys', () => {
  it('do not depend on key order, do depend on values', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } }), '{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    assert.equal(keyOf({ crf: 28, align: true }), keyOf({ align: true, crf: 28 }));
    assert.notEqual(keyOf({ crf: 28 }), keyOf({ crf: 29 }));
  });
});

describe('Table 1 and sweep as report data', () => {
  const rows: Table1Row[] = [
    { ...point('row0', 124_000_000, [0.8, 0.81, 0.79], [0.97, 0.97, 0.97]), row: 0, percentOfRow1: 4000 },
    { ...point('row1', 3_100_000, [0.8, 0.8, 0.8], [0.97, 0.97, 0.97]), row: 1, percentOfRow1: 100 },
    { ...point('row7', 1_600_000, [0.96, 0.95, 0.97], [0.99, 0.99, 0.99]), row: 7, percentOfRow1: 51.6 },
  ];
  const table1: Table1Results = { kind: 'table1', ...RUN, rows };
  const sweepPoint = (series: string, crf: number, bytes: number, image: number): SweepPoint => ({ ...point(`${series}-${crf}`, bytes, [image], [0.99]), series });
  const sweep: SweepResults = {
    kind: 'sweep',
    ...RUN,
    seeds: [0],
    points: [sweepPoint('align-mask', 40, 370_000, 0.94), sweepPoint('align-mask', 51, 124_000, 0.7), sweepPoint('avif', 50, 568_000, 0.81)],
    operatingPoints: [{ name: '(a)', rule: 'r', point: sweepPoint('align-mask', 40, 370_000, 0.94), met: false, note: 'n' }],
  };

  it('formats every row with its seed range and the paper beside it', () => {
    const t = table1Table(table1);
    assert.equal(t.rows.length, 3);
    assert.deepEqual(t.rows[2].slice(0, 6), ['7', 'alignment + background removal + video', '1,600,000 B', '51.6%', '0.9600 (0.9500..0.9700)', '0.9900 (0.9900..0.9900)']);
    assert.equal(t.rows[2][8], '0.979 / 0.993');
  });

  it('plots sweep series and Table 1 rows (raw as the baseline, not a point) and rings operating points', () => {
    const plot = ratePlot(table1, sweep)!;
    assert.deepEqual(plot.series.map((s) => [s.id, s.points.length]), [['align-mask', 2], ['avif', 1], ['table1', 2]]);
    assert.equal(plot.baseline?.imageAuroc, rows[0].image.mean);
    assert.deepEqual(plot.series.find((s) => s.id === 'table1')!.points[1].imageRange, [0.95, 0.97]);
    assert.deepEqual(plot.highlights, [{ label: '(a)', bytes: 370_000, imageAuroc: 0.94, pixelAuroc: 0.99 }]);
    const [ops, all] = sweepTables(sweep);
    assert.equal(ops.rows[0][6], 'no');
    assert.equal(all.rows.length, 3);
  });
});
