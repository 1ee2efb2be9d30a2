import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createQualityActivities, type QualityGateInput, type StoredFile } from '../../activities/quality';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { qualityGate, qualityGateStatusQuery } from '../../workflows';
import { qualityGateId } from '../../workflows/pipelines/quality-gate';
import { sharedWorkflowBundle } from '../support/bundle';
import { testCodecs, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

// The gate alone, as the API starts it: report files kept under the data dir, the real
// evaluation activity and store. Two attempts of one sha tell a flaky test from a failure.
describe('qualityGate on the time-skipping server', () => {
  const world = useTimeSkippingWorld();
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-quality-gate-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function gateWorker(taskQueue: string): Promise<Worker> {
    return Worker.create({
      connection: world.env.nativeConnection,
      namespace: world.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      activities: createQualityActivities({ store: world.store, dataDir }),
      dataConverter: dataConverterOf(testCodecs()),
    });
  }

  /** A report as finishPipelineJob keeps it: a file under <dataDir>/pipelines/files. */
  function kept(run: string, name: string, text: string): StoredFile {
    const ref = path.join(dataDir, 'pipelines', 'files', run, 'test', name);
    mkdirSync(path.dirname(ref), { recursive: true });
    writeFileSync(ref, text);
    return { path: `out/${name}`, ref, bytes: Buffer.byteLength(text) };
  }

  const junit = (dividesFails: boolean) =>
    '<?xml version="1.0"?><testsuites><testsuite name="unit" tests="2" failures="' +
    (dividesFails ? 1 : 0) +
    '"><testcase classname="math" name="adds"/><testcase classname="math" name="divides">' +
    (dividesFails ? '<failure message="expected 2, got Infinity"/>' : '') +
    '</testcase></testsuite></testsuites>';

  function gateInput(sha: string, attempt: number, junitFile: StoredFile): QualityGateInput {
    return {
      runId: `pipeline/acme/app/${sha}/${attempt}`,
      repo: '/nowhere/acme/app',
      repoKey: 'acme/app',
      branch: 'main',
      sha,
      attempt,
      reports: { coverage: [], junit: [junitFile], bench: [] },
      thresholds: { tests: { maxFailed: 0 } },
      owners: [],
    };
  }

  it('fails on a failing test, then records it as flaky when a rerun of the sha passes', async () => {
    const sha = 'f'.repeat(40);
    const taskQueue = uniqueTaskQueue('quality');
    const worker = await gateWorker(taskQueue);
    const [first, second, view] = await worker.runUntil(async () => {
      const failing = await world.env.client.workflow.execute(qualityGate, {
        taskQueue,
        workflowId: qualityGateId('acme/app', sha, 1),
        args: [gateInput(sha, 1, kept('flaky-1', 'junit.xml', junit(true)))],
      });
      const handle = await world.env.client.workflow.start(qualityGate, {
        taskQueue,
        workflowId: qualityGateId('acme/app', sha, 2),
        args: [gateInput(sha, 2, kept('flaky-2', 'junit.xml', junit(false)))],
      });
      const passing = await handle.result();
      return [failing, passing, await handle.query(qualityGateStatusQuery)];
    });

    expect(first.verdict).toBe('fail');
    expect(first.checks).toContainEqual(expect.objectContaining({ name: 'tests.failed', passed: false, actual: 1 }));
    expect(first.flaky ?? []).toEqual([]);
    expect(second.verdict).toBe('pass');
    expect(second.flaky).toHaveLength(1);
    expect(second.flaky![0]).toMatch(/divides/);
    expect(view).toMatchObject({
      gateId: qualityGateId('acme/app', sha, 2),
      service: 'acme/app',
      attempt: 2,
      status: 'passed',
      verdict: { verdict: 'pass' },
    });
  });

  it('fails with a `reports` check naming the file when a report is malformed: never a pass', async () => {
    const sha = 'e'.repeat(40);
    const taskQueue = uniqueTaskQueue('quality');
    const worker = await gateWorker(taskQueue);
    const truncated = junit(false).slice(0, 80);
    const verdict = await worker.runUntil(
      world.env.client.workflow.execute(qualityGate, {
        taskQueue,
        workflowId: qualityGateId('acme/app', sha, 1),
        args: [gateInput(sha, 1, kept('truncated', 'junit.xml', truncated))],
      }),
    );

    expect(verdict.verdict).toBe('fail');
    expect(verdict.checks).toEqual([
      { name: 'reports', passed: false, actual: null, required: 0, detail: expect.stringContaining('out/junit.xml') },
    ]);
  });
});
