// Issue 10, item 4 (handlers): no regular expression a ReDoS checker rates vulnerable runs on event input; names and
// prefixes are checked in linear time, each handler against its own prefix; a bad `_READY` marker is never retried
// (start logs one line naming the marker key and the field, and starts no run); the local harness fails on a
// rejected delivery.
import '../../infra/local/quiet-env.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { check } from 'recheck';
import ts from 'typescript';
import { REPO_ROOT } from '../../infra/functions.ts';
import { DatasetName, prefixBelow } from '../../lambdas/ground/run-contract.ts';
import { RestoreEvent } from '../../lambdas/handlers/restore.ts';
import { RestoreSegmentEvent } from '../../lambdas/handlers/restore-segment.ts';
import { TransformEvent } from '../../lambdas/handlers/transform.ts';
import { createStartHandler, type StartExecution, type StartResult } from '../../lambdas/handlers/start.ts';
import { logger } from '../../lambdas/handlers/commons/powertools.ts';
import { fakeDeps, markerEvent } from '../unit/handlers/fakes.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../infra/local/s3rver.ts';
import { LocalPipeline } from '../../infra/local/pipeline.ts';
import { waitFor } from '../../infra/local/harness.ts';

/** Every regular expression literal in the files that validate event input (handlers and the run contract). */
async function eventPatterns(): Promise<{ file: string; source: string; flags: string }[]> {
  const files = [join(REPO_ROOT, 'lambdas', 'ground', 'run-contract.ts')];
  for (const dir of ['lambdas/handlers', 'lambdas/handlers/commons']) {
    for (const f of await readdir(join(REPO_ROOT, dir))) if (f.endsWith('.ts')) files.push(join(REPO_ROOT, dir, f));
  }
  const out: { file: string; source: string; flags: string }[] = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file, await readFile(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText(sf);
        const end = text.lastIndexOf('/');
        out.push({ file: file.slice(REPO_ROOT.length + 1), source: text.slice(1, end), flags: text.slice(end + 1) });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

describe('handlers: event validation is ReDoS-safe', () => {
  it('rule 4: recheck rates every regular expression in the handlers and the run contract safe', async () => {
    const patterns = await eventPatterns();
    assert.ok(patterns.length >= 5, `found only ${patterns.length} patterns`);
    const flagged: string[] = [];
    for (const p of patterns) {
      const r = await check(p.source, p.flags);
      if (r.status !== 'safe') flagged.push(`${p.file}: /${p.source}/${p.flags} is ${r.status}`);
    }
    assert.deepEqual(flagged, []);
  });

  it('rule 4: the checker does flag the pattern restore used before (so the test above can fail)', async () => {
    const r = await check('^restored\\/([A-Za-z0-9_-][A-Za-z0-9._-]*\\/?)+$', '');
    assert.equal(r.status, 'vulnerable');
  });

  it('found 5: the probe that took 35 s is refused at once, each handler against its own prefix', () => {
    const evil = `restored/${'a'.repeat(30)}!`;
    const long = `restored/${'a/'.repeat(50_000)}!`;
    const t0 = performance.now();
    assert.equal(RestoreEvent.safeParse({ dataset: 'd', outputPrefix: evil }).success, false);
    assert.equal(RestoreEvent.safeParse({ dataset: 'd', outputPrefix: long }).success, false);
    const seg = { dataset: 'd', runId: 'r', manifestSha256: '0'.repeat(64), segment: 0, frames: { first: 0, last: 0 } };
    assert.equal(RestoreSegmentEvent.safeParse({ ...seg, outputPrefix: evil }).success, false);
    assert.equal(TransformEvent.safeParse({ dataset: 'd', inputPrefix: 'in', outputPrefix: `transformed/${'a'.repeat(30)}!` }).success, false);
    assert.equal(DatasetName.safeParse(`${'a/'.repeat(50_000)}!`).success, false);
    assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
    // each its own prefix, the old accepted shapes still accepted
    assert.equal(RestoreEvent.safeParse({ dataset: 'd', outputPrefix: 'transformed/x' }).success, false);
    assert.equal(TransformEvent.safeParse({ dataset: 'd', inputPrefix: 'in', outputPrefix: 'restored/x' }).success, false);
    assert.equal(RestoreEvent.parse({ dataset: 'd', outputPrefix: 'restored/a.b/c_d-e/' }).outputPrefix, 'restored/a.b/c_d-e');
    assert.equal(prefixBelow('restored/').safeParse('restored/').success, false);
    assert.equal(prefixBelow('restored/').safeParse('restored/../x').success, false);
    assert.equal(prefixBelow('restored/').safeParse('restored/a//b').success, false);
  });
});

describe('start: a bad _READY marker is never retried (mock logger records the lines)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adreel-start-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function startWith(marker: string): Promise<{ result: StartResult; started: string[]; lines: string[] }> {
    const deps = await fakeDeps(dir);
    await deps.ingest.put('ds/_READY', Buffer.from(marker));
    const started: string[] = [];
    const starter: StartExecution = async (name) => (started.push(name), true);
    // the log lines, through a mock of the logger's error method (it still logs)
    const spy = mock.method(logger, 'error');
    try {
      const result = await createStartHandler(() => deps, () => starter)(markerEvent(deps.ingestBucket, 'ds/_READY'));
      const lines = spy.mock.calls.map((c) => String(c.arguments[0]));
      return { result, started, lines: lines.filter((l) => l.includes('bad marker')) };
    } finally {
      spy.mock.restore();
    }
  }

  it('found 5: bad JSON: one line naming the marker key, no run started, no error thrown', async () => {
    const { result, started, lines } = await startWith('{"options": {"crf": 20,');
    assert.equal(result.started, false);
    assert.deepEqual(started, []);
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0], /bad marker s3:\/\/ingest\/ds\/_READY: not JSON/);
  });

  it('found 5: a bad field: the line names the key and the field', async () => {
    const { result, started, lines } = await startWith('{"options": {"crf": 99}}');
    assert.equal(result.started, false);
    assert.deepEqual(started, []);
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0], /bad marker s3:\/\/ingest\/ds\/_READY: field "options\.crf"/);
    assert.match(result.rejected ?? '', /options\.crf/);
  });

  it('rule 4: an unknown field is named too; a good marker starts exactly one run', async () => {
    const bad = await startWith('{"options": {"crff": 20}}');
    assert.equal(bad.result.started, false);
    assert.match(bad.lines[0] ?? '', /options/);
    const good = await startWith('{"options": {"crf": 20}}');
    assert.equal(good.result.started, true);
    assert.equal(good.started.length, 1);
    assert.equal(good.lines.length, 0);
  });
});

describe('local harness', () => {
  it('found 5: a delivery the start function rejects fails the test (settle throws), and no s3rver child is left behind', async () => {
    const s3 = await startLocalS3(['in', 'out']);
    let pipeline: LocalPipeline | undefined;
    try {
      pipeline = new LocalPipeline({ s3, ingestBucket: 'in', outputBucket: 'out' });
      // a dataset name the run contract refuses: the start function rejects this delivery
      await s3.client.send(new PutObjectCommand({ Bucket: 'in', Key: 'bad name!/_READY', Body: '' }));
      const p = pipeline;
      await waitFor(() => p.deliveryErrors.length > 0, 10_000);
      await assert.rejects(p.settle(), /the start function rejected 1 delivery/);
      await assert.rejects(p.close(), /rejected 1 delivery/);
    } finally {
      await s3.close();
    }
    assert.throws(() => process.kill(s3.pid, 0), /ESRCH/);
  });
});
