// The pipeline activities on real parts: real git repositories, real child processes in their own
// process groups, a real PGlite store, and the SDK's real activity context (MockActivityEnvironment)
// for heartbeats, attempts and cancellation. No Temporal server is needed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPipelineActivities, type RunStepInput } from '../../activities/pipelines';
import { groupMembers } from '../../activities/pipelines/process-groups';
import { stepGroupFile } from '../../activities/pipelines/step-group-file';
import { PipelineLogs } from '../../db/pipeline-logs';
import { PipelineRuns } from '../../db/pipeline-runs';
import { openStore, type Store } from '../../db/store';
import type { PipelineRunView, PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { createGitRepo, type GitRepo } from '../support/git-repo';

const PIPELINE = `jobs:
  build:
    steps:
      - name: build
        run: echo building
`;

describe('pipeline activities', () => {
  let store: Store;
  let repo: GitRepo;
  let dataDir: string;
  let activities: ReturnType<typeof createPipelineActivities>;
  let logs: PipelineLogs;
  let firstSha: string;
  let headSha: string;
  const secrets = { DEPLOY_TOKEN: 's3cr3t-value-42', OTHER: 'unused-secret' };

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    logs = new PipelineLogs(store.db);
    repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE, 'package-lock.json': '{"v":1}\n', 'old.txt': 'old\n' });
    firstSha = repo.sha();
    headSha = repo.commit({ 'old.txt': null, 'new.txt': 'new\n' }, 'second');
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-activities-'));
    activities = createPipelineActivities({ store, dataDir, secrets, killGraceMs: 500, stepLogMaxBytes: 8 * 1024 });
  });
  afterAll(async () => {
    await store.close();
    repo.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const trigger = (sha = headSha): PipelineTrigger => ({
    repo: repo.dir,
    repoKey: repo.dir.replace(/^\//, ''),
    ref: 'refs/heads/main',
    sha,
    branch: 'main',
    event: 'push',
    actor: 'tester',
  });
  let runCounter = 0;
  const newRun = () => `pipeline/test/${headSha}/${++runCounter}`;

  async function prepared(runId: string, sha = headSha): Promise<string> {
    const { workspace } = await activities.preparePipelineJob({ runId, jobId: 'build', trigger: trigger(sha) });
    return workspace;
  }
  function stepInput(
    runId: string,
    workspace: string,
    run: string,
    extra: Partial<RunStepInput> & { stepEnv?: Record<string, string> } = {},
  ): RunStepInput {
    const { stepEnv = {}, ...rest } = extra;
    return {
      runId,
      jobId: 'build',
      stepIndex: 0,
      step: { name: 'step', run, env: stepEnv },
      jobEnv: {},
      trigger: trigger(),
      workspace,
      timeoutMs: 30_000,
      ...rest,
    };
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const logText = async (runId: string) => (await logs.read(runId)).map((c) => c.text).join('');
  /** Live (not zombie) processes whose pid is in the file a step wrote. */
  const alive = (pidFile: string) => {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  };

  describe('loadPipelineDefinition', () => {
    it('reads the file as committed at the sha', async () => {
      const definition = await activities.loadPipelineDefinition({ repo: repo.url, sha: headSha });
      expect(Object.keys(definition.jobs)).toEqual(['build']);
      expect(definition.jobs.build!.steps[0]!.run).toBe('echo building');
    });

    it('refuses an invalid file for good, naming the file and the line (InvalidPipeline)', async () => {
      const bad = repo.commit(
        {
          '.arxflow/pipeline.yml':
            'jobs:\n  build:\n    steps:\n      - run: make\n  test:\n    needs: [nope]\n    steps:\n      - run: make test\n',
        },
        'bad pipeline',
      );
      const failure = await activities.loadPipelineDefinition({ repo: repo.dir, sha: bad }).catch((e) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidPipeline', nonRetryable: true });
      expect(failure.message).toMatch(/^\.arxflow\/pipeline\.yml:6:/);
      expect(failure.message).toContain('nope');
    });

    it('says PipelineNotFound for a missing file, an unknown commit or repository', async () => {
      for (const input of [
        { repo: repo.dir, sha: headSha, path: 'ci/other.yml' },
        { repo: repo.dir, sha: 'a'.repeat(40) },
        { repo: '/no/such/repo', sha: headSha },
      ]) {
        const failure = await activities.loadPipelineDefinition(input).catch((e) => e);
        expect(failure).toMatchObject({ type: 'PipelineNotFound', nonRetryable: true });
      }
    });
  });

  it('checks a workspace out at the exact sha asked for, not the branch head', async () => {
    const workspace = await prepared(newRun(), firstSha);
    expect(readFileSync(path.join(workspace, 'old.txt'), 'utf8')).toBe('old\n');
    expect(existsSync(path.join(workspace, 'new.txt'))).toBe(false);
  });

  it('runs a step with the base env, job and step env expanded, and secrets masked in the stored log', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details) => beats.push(details));
    const outcome = await env.run(
      activities.runPipelineStep,
      stepInput(
        runId,
        workspace,
        // The secret is printed whole, then split across two writes of the pipe with a pause between.
        'echo "sha=$GITHUB_SHA ci=$CI ref=$GITHUB_REF mode=$MODE who=$WHO other=${OTHER:-none}"; echo "token=$TOKEN"; ' +
          'printf "split=s3cr3t-"; sleep 0.4; echo "value-42"; echo "to stderr $TOKEN" >&2; pwd; echo ${{ github.sha }}',
        {
          jobEnv: { MODE: 'release-${{ github.ref_name }}', TOKEN: '${{ secrets.DEPLOY_TOKEN }}' },
          stepEnv: { WHO: '${{ github.actor }}' },
        },
      ),
    );
    expect(outcome).toMatchObject({ status: 'succeeded', exitCode: 0, attempt: 1 });
    const chunks = await logs.read(runId, { jobId: 'build' });
    const text = chunks.map((c) => c.text).join('');
    expect(text).toContain(`sha=${headSha} ci=true ref=refs/heads/main mode=release-main who=tester other=none`);
    expect(text).toContain('token=***');
    expect(text).toContain('split=***');
    expect(text).toContain('to stderr ***');
    expect(text).toContain(workspace);
    expect(text).toMatch(new RegExp(`^${headSha}$`, 'm'));
    expect(text).not.toContain('s3cr3t');
    expect(chunks.some((c) => c.stream === 'stderr' && c.text.includes('to stderr'))).toBe(true);
    expect(chunks.filter((c) => c.stepIndex === 0).length).toBeGreaterThan(0);
    expect(beats[0]).toEqual({ stepIndex: 0, pid: expect.any(Number), host: hostname() });
    // A follower asks for what came after the last chunk it saw.
    const last = chunks[chunks.length - 1]!.seq;
    await activities.notePipelineLog({ runId, jobId: 'build', text: 'reused from run X' });
    await expect(logs.read(runId, { afterSeq: last })).resolves.toEqual([
      expect.objectContaining({ stream: 'arxflow', text: '[arxflow] reused from run X\n', stepIndex: null }),
    ]);
  });

  it('fails a step whose secret the worker does not have, without running it', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const outcome = await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'touch ran.txt', { jobEnv: { KEY: '${{ secrets.MISSING_ONE }}' } }),
    );
    expect(outcome).toMatchObject({ status: 'failed', exitCode: null });
    expect(existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
    expect(await logText(runId)).toContain('secret MISSING_ONE is not set');
  });

  it("keeps the tail of a step's output past the bound, with a marker saying how much was dropped", async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const outcome = await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done; exit 3'),
    );
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 3 });
    const chunks = (await logs.read(runId)).filter((c) => c.stepIndex === 0);
    // The bound holds the step's whole kept output (its notes too, like the exit code line); the
    // marker alone stands outside it.
    const kept = chunks.filter((c) => !(c.stream === 'arxflow' && c.text.includes('of earlier output dropped')));
    const stored = kept.reduce((n, c) => n + Buffer.byteLength(c.text), 0);
    expect(stored).toBeLessThanOrEqual(8 * 1024);
    expect(stored).toBeGreaterThan(7 * 1024); // trimmed by pieces of at most 1 KiB: nearly the whole bound is kept
    const text = chunks.map((c) => c.text).join('');
    expect(text).toMatch(/^\[arxflow\] \d+ bytes of earlier output dropped: the last 8192 bytes are kept\n/);
    expect(text).not.toContain('line 0\n');
    expect(text).toContain('line 2999\n');
    expect(text).toContain('step failed with exit code 3');
    expect(chunks.filter((c) => c.text.includes('dropped')).length).toBe(1);
  });

  it('kills the whole process group when a step times out: nothing is left running', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const started = Date.now();
    const outcome = await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'sleep 300 & echo $! > grandchild.pid; trap "" TERM; sleep 300', { timeoutMs: 800 }),
    );
    expect(outcome).toMatchObject({ status: 'timed-out', exitCode: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(alive(path.join(workspace, 'grandchild.pid'))).toBe(false);
    expect(await logText(runId)).toContain('step timed out after 800 ms');
  });

  it('ends what a successful step left running in the background', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const outcome = await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'sleep 300 > /dev/null 2>&1 & echo $! > bg.pid; echo done'),
    );
    expect(outcome).toMatchObject({ status: 'succeeded' });
    expect(alive(path.join(workspace, 'bg.pid'))).toBe(false);
  });

  it('on cancellation stops the group, says so in the log and rethrows the cancellation', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    const env = new MockActivityEnvironment();
    let pid = 0;
    env.on('heartbeat', (details: { pid: number }) => {
      pid = details.pid;
      setTimeout(() => env.cancel(), 300);
    });
    const failure = await env
      .run(activities.runPipelineStep, stepInput(runId, workspace, 'sleep 300 & echo $! > bg.pid; wait'))
      .catch((e) => e);
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(pid).toBeGreaterThan(0);
    expect(groupMembers(pid)).toEqual([]);
    expect(alive(path.join(workspace, 'bg.pid'))).toBe(false);
    expect(await logText(runId)).toContain('[arxflow] cancelled: the step was stopped');
  });

  it('a retried attempt kills the group its lost worker left behind, says so, and runs the step from the start', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    // The "lost worker's" step: a group of its own that nobody is waiting for.
    const { spawn } = await import('node:child_process');
    const orphan = spawn('/bin/sh', ['-c', 'sleep 300'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const env = new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: { stepIndex: 0, pid: orphan.pid, host: hostname() },
    });
    const outcome = await env.run(activities.runPipelineStep, stepInput(runId, workspace, 'echo again'));
    expect(outcome).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(groupMembers(orphan.pid!)).toEqual([]);
    const text = await logText(runId);
    expect(text).toContain('worker lost during this step: re-running it from the start (attempt 2)');
    expect(text.indexOf('worker lost')).toBeLessThan(text.indexOf('again'));
  });

  it('a retried attempt finds the group from the file its lost worker wrote at the spawn, when no heartbeat got out', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    // Attempt 1's worker "died" before any heartbeat reached the server: attempt 2 is given no details.
    const first = new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'touch first-started; sleep 300; echo first-end'),
    );
    const recordFile = stepGroupFile(dataDir, runId, 'build', 0);
    for (let i = 0; i < 200 && !existsSync(path.join(workspace, 'first-started')); i++) await sleep(50);
    const firstGroup = (JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number }).pid;
    expect(groupMembers(firstGroup).length).toBeGreaterThan(0);

    const second = await new MockActivityEnvironment({ attempt: 2 }).run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'echo second'),
    );
    expect(second).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(groupMembers(firstGroup)).toEqual([]);
    expect(await first).toMatchObject({ status: 'failed', exitCode: null }); // ended by the retry's SIGTERM
    const text = await logText(runId);
    expect(text).not.toContain('first-end');
    // Both attempts are over: the record is gone, not left to a third attempt to misread.
    expect(existsSync(recordFile)).toBe(false);
  });

  it('kills the groups of steps still running when the worker process exits', async () => {
    // A real worker-like process: starts a step-like group, then exits without waiting for it.
    const script = path.join(dataDir, 'exiting-worker.ts');
    const pidFile = path.join(dataDir, 'exiting-worker.pid');
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process';
       import { writeFileSync } from 'node:fs';
       import { trackGroup } from ${JSON.stringify(path.resolve(__dirname, '../../activities/pipelines/process-groups'))};
       const child = spawn('/bin/sh', ['-c', 'sleep 300 & echo $! > ${pidFile}; wait'], { detached: true, stdio: 'ignore' });
       trackGroup(child.pid!);
       setTimeout(() => process.exit(0), 500);`,
    );
    const { execFileSync } = await import('node:child_process');
    execFileSync(path.resolve(__dirname, '../../node_modules/.bin/tsx'), [script], { timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(pidFile)).toBe(false);
  });

  it('decodes UTF-8 split across reads of the pipe', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, "printf 'caf\\303'; sleep 0.4; printf '\\251 ok\\n'"),
    );
    expect(await logText(runId)).toContain('café ok\n');
  });

  it('a retry on a worker without the workspace checks the sha out afresh and says so', async () => {
    const runId = newRun();
    const gone = path.join(dataDir, 'elsewhere', 'build');
    const outcome = await new MockActivityEnvironment({ attempt: 2 }).run(
      activities.runPipelineStep,
      stepInput(runId, gone, 'cat new.txt'),
    );
    expect(outcome).toMatchObject({ status: 'succeeded', attempt: 2 });
    const text = await logText(runId);
    expect(text).toContain('workspace not on this worker: checked out');
    expect(text).toContain('new\n');
  });

  it("keeps a workspace already at the sha (a retried job finds its earlier steps' files)", async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'echo x > built.txt'),
    );
    await expect(prepared(runId)).resolves.toBe(workspace);
    expect(readFileSync(path.join(workspace, 'built.txt'), 'utf8')).toBe('x\n');
    await activities.removePipelineWorkspace({ runId, jobId: 'build' });
    expect(existsSync(workspace)).toBe(false);
  });

  it('saves a cache after a successful job and restores it by exact key, then by prefix', async () => {
    const cache = {
      key: "deps-${{ github.ref_name }}-${{ hashFiles('package-lock.json') }}",
      restoreKeys: ['deps-${{ github.ref_name }}-'],
      paths: ['node_modules'],
    };
    const finish = (runId: string, workspace: string, key: string, restored: 'exact' | 'prefix' | null) =>
      activities.finishPipelineJob({
        runId,
        jobId: 'build',
        workspace,
        succeeded: true,
        cache: { key, paths: cache.paths, restored },
        artifacts: [],
        reports: { coverage: [], junit: [], bench: [] },
      });

    const run1 = newRun();
    const first = await activities.preparePipelineJob({ runId: run1, jobId: 'build', trigger: trigger(), cache });
    expect(first.cache).toEqual({ key: expect.stringMatching(/^deps-main-[0-9a-f]{64}$/), restored: null });
    await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(run1, first.workspace, 'mkdir -p node_modules/dep && echo v1 > node_modules/dep/index.js'),
    );
    await expect(finish(run1, first.workspace, first.cache!.key, null)).resolves.toMatchObject({ cacheSaved: true });

    const run2 = newRun();
    const second = await activities.preparePipelineJob({ runId: run2, jobId: 'build', trigger: trigger(), cache });
    expect(second.cache).toEqual({ key: first.cache!.key, restored: 'exact', restoredKey: first.cache!.key });
    expect(readFileSync(path.join(second.workspace, 'node_modules/dep/index.js'), 'utf8')).toBe('v1\n');
    await expect(finish(run2, second.workspace, second.cache!.key, 'exact')).resolves.toMatchObject({
      cacheSaved: false,
    });

    const changed = repo.commit({ 'package-lock.json': '{"v":2}\n' }, 'new lock');
    const run3 = newRun();
    const third = await activities.preparePipelineJob({
      runId: run3,
      jobId: 'build',
      trigger: trigger(changed),
      cache,
    });
    expect(third.cache).toMatchObject({ restored: 'prefix', restoredKey: first.cache!.key });
    expect(third.cache!.key).not.toBe(first.cache!.key);
    expect(existsSync(path.join(third.workspace, 'node_modules/dep/index.js'))).toBe(true);
  });

  it('keeps reports and artifacts by reference, and fails a successful job whose declared report is missing', async () => {
    const runId = newRun();
    const workspace = await prepared(runId);
    await new MockActivityEnvironment().run(
      activities.runPipelineStep,
      stepInput(runId, workspace, 'mkdir -p coverage dist && echo "TN:" > coverage/lcov.info && echo bin > dist/app'),
    );
    const reports = { coverage: ['coverage/lcov.info'], junit: [], bench: [] };
    const done = await activities.finishPipelineJob({
      runId,
      jobId: 'build',
      workspace,
      succeeded: true,
      artifacts: ['dist'],
      reports,
    });
    expect(done.reports.coverage).toEqual([{ path: 'coverage/lcov.info', ref: expect.any(String), bytes: 4 }]);
    expect(readFileSync(done.reports.coverage[0]!.ref, 'utf8')).toBe('TN:\n');
    expect(done.reports.coverage[0]!.ref.startsWith(path.join(dataDir, 'pipelines', 'files'))).toBe(true);
    expect(done.artifacts.map((f) => f.path)).toEqual(['dist/app']);

    const failure = await activities
      .finishPipelineJob({
        runId,
        jobId: 'build',
        workspace,
        succeeded: true,
        artifacts: [],
        reports: { ...reports, junit: ['reports/junit.xml'] },
      })
      .catch((e) => e);
    expect(failure).toMatchObject({ type: 'MissingReport', nonRetryable: true });
    expect(failure.message).toContain('reports/junit.xml');
    expect(await logText(runId)).toContain('declared report files missing after the job: reports/junit.xml');
    // A job that failed anyway keeps what reports it has, without a second failure.
    await expect(
      activities.finishPipelineJob({
        runId,
        jobId: 'build',
        workspace,
        succeeded: false,
        artifacts: [],
        reports: { ...reports, junit: ['reports/junit.xml'] },
      }),
    ).resolves.toMatchObject({ reports: { junit: [] } });
  });

  it('records runs and tells a newer run of a concurrency group which older ones to cancel', async () => {
    const runs = new PipelineRuns(store.db);
    const view = (runId: string, status: PipelineRunView['status'], attempt = 1): PipelineRunView => ({
      runId,
      status,
      repo: repo.dir,
      repoKey: 'group/test',
      ref: 'refs/heads/main',
      sha: headSha,
      attempt,
      event: 'push',
      createdAt: new Date(Date.now() + attempt).toISOString(),
      jobs: [],
    });
    await activities.recordPipelineRun(view('run-a', 'running', 1));
    await expect(
      activities.enterConcurrencyGroup({ group: 'g-main', runId: 'run-a', cancelInProgress: true }),
    ).resolves.toEqual({ supersede: [] });
    await expect(
      activities.enterConcurrencyGroup({ group: 'g-main', runId: 'run-b', cancelInProgress: true }),
    ).resolves.toEqual({ supersede: ['run-a'] });
    // Entering again (a retried activity) keeps its place.
    await expect(
      activities.enterConcurrencyGroup({ group: 'g-main', runId: 'run-b', cancelInProgress: true }),
    ).resolves.toEqual({ supersede: ['run-a'] });
    await activities.recordPipelineRun(view('run-a', 'cancelled', 1));
    await activities.recordPipelineRun(view('run-b', 'running', 2));
    await expect(
      activities.enterConcurrencyGroup({ group: 'g-main', runId: 'run-c', cancelInProgress: false }),
    ).resolves.toEqual({ supersede: [] });
    await expect(
      activities.enterConcurrencyGroup({ group: 'g-main', runId: 'run-d', cancelInProgress: true }),
    ).resolves.toEqual({ supersede: ['run-b', 'run-c'] });

    // A late, older view never reopens a closed run.
    await activities.recordPipelineRun(view('run-a', 'running', 1));
    await expect(runs.get('run-a')).resolves.toMatchObject({ status: 'cancelled' });
    await expect(runs.latestAttempt('group/test', headSha)).resolves.toBe(2);
    await expect(runs.latestAttempt('group/test', 'f'.repeat(40))).resolves.toBe(0);
    expect((await runs.list({ repoKey: 'group/test' })).map((r) => r.runId)).toEqual(['run-b', 'run-a']);
    expect((await runs.list({ repoKey: 'group/test', status: 'cancelled' })).map((r) => r.runId)).toEqual(['run-a']);
  });
});
