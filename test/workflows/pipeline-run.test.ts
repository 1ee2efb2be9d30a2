import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createGithubActivities, type GithubSettings } from '../../activities/github';
import { PipelineLogs } from '../../db/pipeline-logs';
import { createPipelineActivities } from '../../activities/pipelines';
import { createQualityActivities } from '../../activities/quality';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import {
  pipelineRunId,
  type PipelineRunInput,
  type PipelineRunView,
  type PipelineTrigger,
} from '../../domain/pipelines/pipeline-types';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { pipelineRun, pipelineStatusQuery } from '../../workflows';
import { sharedWorkflowBundle } from '../support/bundle';
import { createGitRepo, type GitRepo } from '../support/git-repo';
import { startGithubApiServer } from '../support/github-api-server';
import { testCodecs, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

// pipelineRun on the time-skipping server with the real activities: real git repositories,
// real `sh` steps, the real store. Activities hold the server's clock, so steps take wall time.
describe('pipelineRun on the time-skipping server', () => {
  const world = useTimeSkippingWorld();
  let dataDir: string;
  let scratch: string;
  const repos: GitRepo[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-data-'));
    scratch = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-trace-'));
  });
  afterAll(() => {
    for (const repo of repos) repo.remove();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The production workflow bundle, with the pipeline, quality and GitHub activities beside the others. */
  function pipelineWorker(taskQueue: string, github?: GithubSettings): Promise<Worker> {
    return Worker.create({
      connection: world.env.nativeConnection,
      namespace: world.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      activities: {
        ...createActivities({ store: world.store }),
        ...createPipelineActivities({ store: world.store, dataDir, killGraceMs: 1_000 }),
        ...createQualityActivities({ store: world.store, dataDir }),
        // Without a token (most tests) statuses and comments go to the outbox.
        ...createGithubActivities({ store: world.store, ...(github ? { github } : {}) }),
      },
      dataConverter: dataConverterOf(testCodecs()),
      // A cancellation reaches an activity with a heartbeat's answer; the SDK sends the step's 2 s
      // heartbeats at most every 0.8 x its 10 s heartbeat timeout by default. Sent as they come
      // here, a cancel is noticed in about 2 s instead of 8 (the same mechanism, less waiting).
      maxHeartbeatThrottleInterval: '1 second',
    });
  }

  function repoWith(pipelineYaml: string, files: Record<string, string> = {}): GitRepo {
    const repo = createGitRepo({ '.arxflow/pipeline.yml': pipelineYaml, ...files });
    repos.push(repo);
    return repo;
  }

  function triggerOf(repo: GitRepo, overrides: Partial<PipelineTrigger> = {}): PipelineTrigger {
    return {
      repo: repo.dir,
      repoKey: repoKeyOf(repo.dir),
      ref: 'refs/heads/main',
      sha: repo.sha(),
      branch: 'main',
      event: 'push',
      actor: 'test',
      ...overrides,
    };
  }

  function start(taskQueue: string, input: PipelineRunInput): Promise<WorkflowHandle<typeof pipelineRun>> {
    const { repoKey, sha } = input.trigger;
    return world.env.client.workflow.start(pipelineRun, {
      taskQueue,
      workflowId: pipelineRunId(repoKey, sha, input.attempt),
      args: [input],
    });
  }

  /** A directory for one test's trace files (what the steps' processes wrote). */
  function traceDir(name: string): string {
    return mkdtempSync(path.join(scratch, `${name}-`));
  }

  async function until(handle: WorkflowHandle, done: (view: PipelineRunView) => boolean): Promise<PipelineRunView> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = await handle.query(pipelineStatusQuery);
      if (done(view)) return view;
      if (Date.now() > deadline) throw new Error(`run never reached the state: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function outboxSubjects(workflowId: string): Promise<string[]> {
    const rows = await world.store.db.query<{ subject: string }>(
      "SELECT subject FROM notification_outbox WHERE channel = 'github' AND workflow_id = $1 ORDER BY created_at",
      [workflowId],
    );
    return rows.map((row) => row.subject);
  }

  const isGone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const job = (view: PipelineRunView, id: string) => view.jobs.find((candidate) => candidate.id === id)!;

  it('runs jobs in DAG order, at most max-parallel at once, and reports each job as a commit status', async () => {
    const trace = path.join(traceDir('dag'), 'trace');
    const work = (id: string) =>
      `{ env: { TRACE: "${trace}" }, steps: [{ name: work, run: "echo ${id} >> $TRACE; sleep 1" }] }`;
    const repo = repoWith(`
max-parallel: 2
jobs:
  a: ${work('a')}
  b: ${work('b')}
  c: ${work('c')}
  d:
    needs: [a, b, c]
    env: { TRACE: "${trace}" }
    steps: [{ name: last, run: "echo d >> $TRACE" }]
`);
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const trigger = triggerOf(repo, { githubRepo: 'acme/app' });
    const { view, mostRunning } = await worker.runUntil(async () => {
      const handle = await start(taskQueue, { trigger, attempt: 1 });
      let most = 0;
      let result: PipelineRunView | undefined;
      void handle.result().then((done) => (result = done));
      while (!result) {
        const seen = await handle.query(pipelineStatusQuery);
        most = Math.max(most, seen.jobs.filter((j) => j.status === 'running').length);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { view: result, mostRunning: most };
    });

    expect(view.status).toBe('succeeded');
    expect(view.jobs.map((j) => [j.id, j.status])).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);
    expect(mostRunning).toBe(2); // three independent jobs, two at a time
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(lines[3]).toBe('d');
    const lastNeedEnded = Math.max(...['a', 'b', 'c'].map((id) => Date.parse(job(view, id).endedAt!)));
    expect(Date.parse(job(view, 'd').startedAt!)).toBeGreaterThanOrEqual(lastNeedEnded);
    // Two of a, b, c ran together; the third started after one of them ended.
    const [first, second, third] = ['a', 'b', 'c']
      .map((id) => job(view, id))
      .sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
    expect(Date.parse(third!.startedAt!)).toBeGreaterThanOrEqual(
      Math.min(Date.parse(first!.endedAt!), Date.parse(second!.endedAt!)),
    );

    const subjects = await outboxSubjects(view.runId);
    const short = trigger.sha.slice(0, 7);
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(subjects).toContain(`arxflow/${id} pending on ${short}`);
      expect(subjects).toContain(`arxflow/${id} success on ${short}`);
    }
    const recorded = await world.store.db.query<{ status: string }>(
      'SELECT status FROM pipeline_runs WHERE run_id = $1',
      [view.runId],
    );
    expect(recorded).toEqual([{ status: 'succeeded' }]);
  });

  it("fails a job whose step outlives its timeout or the job's, killing the step's process", async () => {
    const pids = traceDir('timeouts');
    const repo = repoWith(`
jobs:
  step-limit:
    env: { PIDS: "${pids}" }
    steps:
      - name: slow
        run: echo $$ > $PIDS/step; exec sleep 60
        timeout: 1 second
      - name: never
        run: touch $PIDS/never
  job-limit:
    # Room for the warm-up on a loaded machine (with 2 s the budget once ran out before 'slow').
    timeout: 8 seconds
    env: { PIDS: "${pids}" }
    steps:
      - name: warm-up
        run: sleep 0.2
      - name: slow
        run: echo $$ > $PIDS/job; exec sleep 60
`);
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const started = Date.now();
    const view = await worker.runUntil(async () =>
      (await start(taskQueue, { trigger: triggerOf(repo), attempt: 1 })).result(),
    );

    expect(Date.now() - started).toBeLessThan(30_000); // not the 60 s sleeps
    expect(view.status).toBe('failed');
    const stepLimited = job(view, 'step-limit');
    expect(stepLimited).toMatchObject({ status: 'failed', reason: "timed out: step 'slow' ran past its 1 s" });
    expect(stepLimited.steps.map((s) => s.status)).toEqual(['timed-out', 'skipped']);
    const jobLimited = job(view, 'job-limit');
    expect(jobLimited.status).toBe('failed');
    expect(jobLimited.reason).toBe("timed out: the job's 8 s ran out during step 'slow'");
    expect(jobLimited.steps.map((s) => s.status)).toEqual(['succeeded', 'timed-out']);
    expect(existsSync(path.join(pids, 'never'))).toBe(false);
    for (const name of ['step', 'job']) expect(isGone(Number(readFileSync(path.join(pids, name), 'utf8')))).toBe(true);
  });

  it('cancels the older run of its concurrency group when a newer push arrives (cancel-in-progress)', async () => {
    const pids = traceDir('concurrency');
    const repo = repoWith(
      `
concurrency:
  group: ci-\${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    env: { PIDS: "${pids}" }
    steps:
      - name: build
        run: if [ -f slow ]; then echo $$ > $PIDS/older; exec sleep 60; fi
`,
      { slow: 'the first commit builds slowly\n' },
    );
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const { older, newer } = await worker.runUntil(async () => {
      const first = await start(taskQueue, { trigger: triggerOf(repo), attempt: 1 });
      await until(first, (view) => view.jobs[0]?.steps[0]?.status === 'running');
      while (!existsSync(path.join(pids, 'older'))) await new Promise((resolve) => setTimeout(resolve, 50));
      repo.commit({ slow: null }, 'fast again');
      const second = await start(taskQueue, { trigger: triggerOf(repo), attempt: 1 });
      return { older: await first.result(), newer: await second.result() };
    });

    expect(newer.status).toBe('succeeded');
    expect(older.status).toBe('cancelled');
    expect(older.error).toBe(`cancelled by a newer run of its concurrency group: ${newer.runId}`);
    expect(older.jobs[0]).toMatchObject({ id: 'build', status: 'cancelled' });
    expect(older.jobs[0]!.steps[0]!.status).toBe('cancelled');
    // The run ended only after its step's process group was killed.
    expect(isGone(Number(readFileSync(path.join(pids, 'older'), 'utf8')))).toBe(true);
  });

  it("ends `cancelled` on Temporal's workflow cancellation (CLI, API, Web UI) once the step's process is gone", async () => {
    const pids = traceDir('cancel');
    const repo = repoWith(`
jobs:
  build:
    env: { PIDS: "${pids}" }
    steps:
      - name: build
        run: echo $$ > $PIDS/build; exec sleep 60
  deploy:
    needs: [build]
    env: { PIDS: "${pids}" }
    steps: [{ name: deploy, run: touch $PIDS/deployed }]
`);
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const started = Date.now();
    const view = await worker.runUntil(async () => {
      const handle = await start(taskQueue, { trigger: triggerOf(repo), attempt: 1 });
      await until(handle, (seen) => seen.jobs[0]?.steps[0]?.status === 'running');
      while (!existsSync(path.join(pids, 'build'))) await new Promise((resolve) => setTimeout(resolve, 50));
      await handle.cancel();
      return handle.result(); // the view, status cancelled: what `pipeline run --wait` prints
    });

    expect(Date.now() - started).toBeLessThan(30_000);
    expect(view).toMatchObject({ status: 'cancelled', error: 'cancelled' });
    expect(job(view, 'build')).toMatchObject({ status: 'cancelled', steps: [{ status: 'cancelled' }] });
    expect(job(view, 'deploy')).toMatchObject({
      status: 'skipped', // as GitHub Actions shows the dependents of a cancelled job
      reason: 'needs build, which was cancelled',
      steps: [{ status: 'skipped' }],
    });
    expect(isGone(Number(readFileSync(path.join(pids, 'build'), 'utf8')))).toBe(true);
    expect(existsSync(path.join(pids, 'deployed'))).toBe(false);
    const recorded = await world.store.db.query<{ status: string }>(
      'SELECT status FROM pipeline_runs WHERE run_id = $1',
      [view.runId],
    );
    expect(recorded).toEqual([{ status: 'cancelled' }]);
  });

  it('reports statuses to GitHub through Octokit, and a status GitHub refuses is noted in the log, not a failure', async () => {
    const server = await startGithubApiServer({ token: 'gh-test-token', repos: ['acme/app'] });
    try {
      const repo = repoWith('jobs:\n  build:\n    steps: [{ name: build, run: "true" }]\n');
      const taskQueue = uniqueTaskQueue('pipeline');
      const worker = await pipelineWorker(taskQueue, { token: 'gh-test-token', apiUrl: server.apiUrl });
      const known = triggerOf(repo, { githubRepo: 'acme/app' });
      const unknown = triggerOf(repo, { githubRepo: 'acme/gone' }); // 404: GitHubRefused, final
      const [reported, refused] = await worker.runUntil(async () => [
        await (await start(taskQueue, { trigger: known, attempt: 1 })).result(),
        await (await start(taskQueue, { trigger: unknown, attempt: 2 })).result(),
      ]);

      expect(reported.status).toBe('succeeded');
      expect(server.statuses('acme/app').map((s) => [s.context, s.state, s.sha])).toEqual([
        ['arxflow/build', 'pending', known.sha],
        ['arxflow/build', 'success', known.sha],
      ]);
      expect(refused.status).toBe('succeeded');
      const notes = await new PipelineLogs(world.store.db).read(refused.runId, { jobId: 'build' });
      expect(notes.map((chunk) => chunk.text).join('')).toMatch(
        /commit status arxflow\/build \(pending\) not sent: GitHub refused .*404/,
      );
    } finally {
      await server.close();
    }
  });

  it('reruns only the failed jobs: succeeded ones are reused, not run again', async () => {
    const trace = traceDir('rerun');
    const repo = repoWith(`
jobs:
  ok:
    env: { TRACE: "${trace}" }
    steps: [{ name: once, run: echo ran >> $TRACE/ok }]
  fragile:
    env: { TRACE: "${trace}" }
    steps:
      - name: flaky
        run: if [ -f $TRACE/second ]; then exit 0; fi; touch $TRACE/second; exit 3
  after:
    needs: [ok, fragile]
    env: { TRACE: "${trace}" }
    steps: [{ name: after, run: echo ran >> $TRACE/after }]
`);
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const trigger = triggerOf(repo);
    const [first, second] = await worker.runUntil(async () => {
      const failed = await (await start(taskQueue, { trigger, attempt: 1 })).result();
      const rerun = { of: failed.runId, onlyFailed: true, succeededJobs: ['ok'] };
      const again = await (await start(taskQueue, { trigger, attempt: 2, rerun })).result();
      return [failed, again];
    });

    expect(first.status).toBe('failed');
    expect(job(first, 'fragile')).toMatchObject({ status: 'failed', reason: "step 'flaky' failed (exit code 3)" });
    expect(job(first, 'fragile').steps[0]).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(job(first, 'after')).toMatchObject({ status: 'skipped', reason: 'needs fragile, which failed' });

    expect(second.status).toBe('succeeded');
    expect(second.runId).toBe(pipelineRunId(trigger.repoKey, trigger.sha, 2));
    expect(job(second, 'ok')).toMatchObject({ status: 'succeeded', reason: `reused from ${first.runId}` });
    expect(job(second, 'fragile').status).toBe('succeeded');
    expect(job(second, 'after').status).toBe('succeeded');
    expect(readFileSync(path.join(trace, 'ok'), 'utf8')).toBe('ran\n'); // once: reused, not re-run
    expect(readFileSync(path.join(trace, 'after'), 'utf8')).toBe('ran\n');
  });

  it('fails a run whose definition is refused, naming the file and line, and runs nothing', async () => {
    const trace = traceDir('refused');
    const repo = repoWith(`
jobs:
  build:
    needs: [biuld]
    steps: [{ name: build, run: touch ${trace}/ran }]
`);
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const trigger = triggerOf(repo, { githubRepo: 'acme/app' });
    const [refused, missing] = await worker.runUntil(async () => [
      await (await start(taskQueue, { trigger, attempt: 1 })).result(),
      await (await start(taskQueue, { trigger, attempt: 2, definitionPath: 'ci/none.yml' })).result(),
    ]);

    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^\.arxflow\/pipeline\.yml:4:.*biuld/);
    expect(refused.jobs).toEqual([]);
    expect(refused.endedAt).toBeDefined();
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/ci\/none\.yml/);
    expect(existsSync(path.join(trace, 'ran'))).toBe(false);
    expect(await outboxSubjects(refused.runId)).toEqual([`arxflow/pipeline error on ${trigger.sha.slice(0, 7)}`]);
  });

  it('runs the quality gate as a child on the kept reports and comments the verdict on the pull request', async () => {
    const junit = (failures: number) =>
      `<?xml version="1.0"?><testsuites><testsuite name="unit" tests="2" failures="${failures}">` +
      '<testcase classname="math" name="adds"/>' +
      `<testcase classname="math" name="divides">${failures ? '<failure message="1/0"/>' : ''}</testcase>` +
      '</testsuite></testsuites>';
    const repo = repoWith(`
quality:
  tests: { maxFailed: 0 }
jobs:
  test:
    steps:
      - name: test
        run: mkdir -p out && cp junit.xml out/junit.xml
    reports: { junit: out/junit.xml }
`);
    repo.commit({ 'junit.xml': junit(1) }, 'a failing test');
    const taskQueue = uniqueTaskQueue('pipeline');
    const worker = await pipelineWorker(taskQueue);
    const trigger = triggerOf(repo, {
      event: 'pull_request',
      ref: 'refs/pull/7/head',
      branch: 'feature',
      base: { branch: 'main' },
      pullRequest: { number: 7 },
      githubRepo: 'acme/app',
    });
    const view = await worker.runUntil(async () => (await start(taskQueue, { trigger, attempt: 1 })).result());

    expect(job(view, 'test').status).toBe('succeeded');
    expect(view.quality?.verdict).toBe('fail');
    expect(view.quality?.checks).toContainEqual(expect.objectContaining({ name: 'tests.failed', passed: false }));
    expect(view.status).toBe('failed'); // a failed gate fails the run
    const subjects = await outboxSubjects(view.runId);
    expect(subjects).toContain(`arxflow/quality failure on ${trigger.sha.slice(0, 7)}`);
    expect(subjects).toContain('arxflow quality'); // the pull request comment
  });
});
