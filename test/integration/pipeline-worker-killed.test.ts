import { DEFAULT_JOB_TIMEOUT_MS } from '../../domain/pipelines/pipeline-schema';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnchorKey } from '../../db/audit-log';
import { PipelineLogs } from '../../db/pipeline-logs';
import { openStore } from '../../db/store';
import { pipelineRunId, type PipelineRunInput, type PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { listProcesses } from '../../platform/process-identity';
import { pipelineRun, pipelineStatusQuery } from '../../workflows';
import { createGitRepo } from '../support/git-repo';
import { useActivityProcessWorld } from '../support/activity-process-world';

// The worker that runs a step dies with SIGKILL: the step runs again from its start on another
// worker within seconds (heartbeat timeout), steps that had finished are not run again, the
// killed worker's step processes do not outlive the retry, and the log says what happened.
// A cancelled run leaves no process behind.

const AUDIT_KEY = 'pipeline-worker-killed-test-audit-key-0123456789';

const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-killed-'));
const marks = path.join(dir, 'steps.log');
const killedFlag = path.join(dir, 'killed');
/** Unusual sleep lengths identify this test's step processes among the machine's. */
const KILLED_SLEEP = 'sleep 61.5';
const CANCELLED_SLEEP = 'sleep 62.5';

const PIPELINE = `jobs:
  build:
    steps:
      - name: one
        run: echo one >> ${marks}
      - name: two
        run: echo two-start >> ${marks} && if [ ! -f ${killedFlag} ]; then ${KILLED_SLEEP}; fi && echo two-end >> ${marks}
      - name: three
        run: echo three >> ${marks}
`;
const repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE });
const killedSha = repo.sha();
const cancelledSha = repo.commit({
  '.arxflow/pipeline.yml': `jobs:\n  wait:\n    steps:\n      - name: long\n        run: ${CANCELLED_SLEEP}\n`,
});
const repoKey = repoKeyOf(repo.dir);

const inputOf = (sha: string): PipelineRunInput => ({
  trigger: { repo: repo.dir, repoKey, ref: 'refs/heads/main', sha, branch: 'main', event: 'manual', actor: 'test' },
  attempt: 1,
});
const stepProcesses = (command: string) => listProcesses().filter((entry) => entry.args.includes(command));

async function until<T>(what: string, check: () => T | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`a pipeline whose worker process is killed mid-step (dev server, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  // The workflows run here, the activities in worker processes (arxflow's activities only,
  // pipeline files in dataDir): killing one kills the step's worker.
  const world = useActivityProcessWorld('pipeline-killed', {
    dir,
    auditKey: AUDIT_KEY,
    dataDir: path.join(dir, 'data'),
    // The cancelled run's cancel reaches its step with a heartbeat's answer: sent as they come
    // (every 2 s), not at most every 8 s (0.8 x the step's 10 s heartbeat timeout). The killed
    // worker is still noticed by the server's heartbeat timeout, which this does not change.
    heartbeatThrottleMs: 1000,
  });

  // After the world's afterAll (declared first): its worker processes are gone, the store dropped.
  afterAll(() => {
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-runs only the interrupted step, on another worker, and says so in the log; a cancelled run leaves no process', async () => {
    const first = await world.startWorkerProcess();
    const handle = await world.env.client.workflow.start(pipelineRun, {
      taskQueue: world.taskQueue,
      workflowId: pipelineRunId(repoKey, killedSha, 1),
      args: [inputOf(killedSha)],
    });
    await until('step two to start', () => existsSync(marks) && readFileSync(marks, 'utf8').includes('two-start'));
    await until("step two's process", () => stepProcesses(KILLED_SLEEP).length > 0);
    first.kill('SIGKILL');
    await once(first, 'exit');
    writeFileSync(killedFlag, ''); // the step's next attempt does not wait
    const killedAt = Date.now();

    // Another worker on the same store, data dir and task queue: the retry is its to take.
    const second = await world.startWorkerProcess();
    const view: PipelineRunView = await handle.result();
    const recoveredInMs = Date.now() - killedAt;
    expect(view.status).toBe('succeeded');
    expect(view.jobs[0]!.steps.map((step) => [step.name, step.status, step.attempts ?? 1])).toEqual([
      ['one', 'succeeded', 1],
      ['two', 'succeeded', 2],
      ['three', 'succeeded', 1],
    ]);
    // Finished steps ran once; the interrupted one started twice and ended once: the killed
    // worker's orphaned step was stopped by the retry before it could finish.
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toEqual([
      'one',
      'two-start',
      'two-start',
      'two-end',
      'three',
    ]);
    expect(stepProcesses(KILLED_SLEEP)).toEqual([]);
    // Noticed by the step's 10 s heartbeat timeout, not its start-to-close (the job's 30-minute
    // default): a bound far below that one, with room for a loaded machine (61 s seen in CI).
    expect(recoveredInMs).toBeLessThan(DEFAULT_JOB_TIMEOUT_MS / 10);

    // A cancelled run, on the second worker: the step's process group is gone when the run has ended.
    const cancelled = await world.env.client.workflow.start(pipelineRun, {
      taskQueue: world.taskQueue,
      workflowId: pipelineRunId(repoKey, cancelledSha, 1),
      args: [inputOf(cancelledSha)],
    });
    await until('the long step to run', () => stepProcesses(CANCELLED_SLEEP).length > 0);
    await cancelled.cancel();
    const cancelledView: PipelineRunView = await cancelled.result();
    expect(cancelledView.status).toBe('cancelled');
    expect(cancelledView.jobs[0]!.status).toBe('cancelled');
    expect(stepProcesses(CANCELLED_SLEEP)).toEqual([]);
    expect((await cancelled.query(pipelineStatusQuery)).status).toBe('cancelled');

    second.kill('SIGTERM');
    await once(second, 'exit');
    // The log of the killed run says the step ran again and why (read once the worker let go of the store).
    const store = await openStore(world.location, { auditKey: new AnchorKey(AUDIT_KEY) });
    try {
      const log = (await new PipelineLogs(store.db).read(pipelineRunId(repoKey, killedSha, 1), { jobId: 'build' }))
        .map((chunk) => chunk.text)
        .join('');
      expect(log).toMatch(/re-running it from the start \(attempt 2\)/);
    } finally {
      await store.close();
    }
  }, 240_000);
});
