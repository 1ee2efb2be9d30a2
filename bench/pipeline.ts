// `npm run bench -- pipeline`: what orchestration costs a pipeline. For a 3-job pipeline of
// trivial steps (build, then test and lint in parallel), started by a signed GitHub push
// webhook and run by the production worker on a dev server:
// - wall time from the webhook's 2xx to the run's end, beside the same clone and commands run
//   by a plain shell script in the same run (ratio, and orchestration added per job);
// - time from the webhook's 2xx to the first step's process starting (p50/p99);
// - the quality gate's evaluation of a 50,000-line lcov and a 5,000-test JUnit file beside a
//   bare parse of the same files (bench/pipeline-quality.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore } from '../db/store';
import { pipelineRunId, type PipelineRunView } from '../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../domain/pipelines/repo-key';
import { parseSettings } from '../domain/settings';
import { buildGateway } from '../gateway/server';
import { createLogger } from '../platform/logger';
import { createAuthenticator } from '../platform/tokens';
import { createGitRepo } from '../test/support/git-repo';
import { githubEventHeaders, githubPipelineSource } from '../test/support/github-webhooks';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { benchQualityParsing } from './pipeline-quality';
import { writeResults } from './results';
import { percentile } from './percentile';
import { localDevServerOptions } from '../scripts/dev-server';

const RUNS = Number(process.env.BENCH_PIPELINE_RUNS ?? 20);
const SECRET = 'bench-github-webhook-secret-0123456789';

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

export async function benchPipeline(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-bench-pipeline-'));
  const startedMark = (sha: string) => path.join(dir, `started-${sha}`);
  // `date +%s%3N`: the first step's process writes when it started, in ms since the epoch.
  const pipeline = `jobs:
  build:
    steps:
      - name: compile
        run: date +%s%3N > ${dir}/started-\${{ github.sha }} && echo build
  test:
    needs: build
    steps:
      - name: unit
        run: echo test
  lint:
    needs: build
    steps:
      - name: style
        run: echo lint
`;
  const repo = createGitRepo({ '.arxflow/pipeline.yml': pipeline });
  const env = await TestWorkflowEnvironment.createLocal({
    server: localDevServerOptions(),
  });
  const store = await openStore({ inMemory: true });
  const taskQueue = `bench-pipeline-${process.pid}`;
  const worker = await createArxflowWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await buildWorkflowBundle(),
    deps: { store, dataDir: path.join(dir, 'data') },
  });
  const settings = parseSettings({ ARXFLOW_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters' });
  const { app } = await buildGateway({
    temporal: env.client,
    taskQueue,
    store,
    logger: createLogger('silent'),
    schedules: [],
    authenticator: createAuthenticator(settings),
    webhookSources: new Map([['github', githubPipelineSource(repo.dir, SECRET)]]),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const repoKey = repoKeyOf(repo.dir);

  /** One push: the webhook, then the run to its end. */
  const pushAndRun = async (i: number) => {
    const sha = repo.commit({ [`change-${i}.txt`]: `${i}\n` }, `change ${i}`);
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(39) + '1',
      after: sha,
      repository: { full_name: 'bench/repo', clone_url: 'https://github.com/bench/repo.git' },
      sender: { login: 'bench' },
      commits: [],
    });
    const t0 = performance.now();
    const epoch0 = Date.now();
    const response = await fetch(`${url}/v1/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...githubEventHeaders('push', body, { secret: SECRET, delivery: `bench-${i}` }),
      },
      body,
    });
    if (response.status !== 202) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
    const answeredMs = performance.now() - t0;
    const view = (await env.client.workflow.getHandle(pipelineRunId(repoKey, sha, 1)).result()) as PipelineRunView;
    if (view.status !== 'succeeded') throw new Error(`run of ${sha} ended ${view.status}: ${JSON.stringify(view)}`);
    const wallMs = performance.now() - t0;
    const firstStepMs = Number(readFileSync(startedMark(sha), 'utf8').trim()) - epoch0 - answeredMs;
    return { wallMs, firstStepMs };
  };

  /** The same work by hand: clone at the sha, then the three jobs' commands in one shell. */
  const shellScript = (i: number) => {
    const sha = repo.sha();
    const work = path.join(dir, `shell-${i}`);
    const t0 = performance.now();
    execFileSync(
      '/bin/sh',
      [
        '-c',
        `git clone -q --shared "${repo.dir}" "${work}" && cd "${work}" && git checkout -q --detach ${sha} && date +%s%3N > /dev/null && echo build && echo test && echo lint`,
      ],
      { stdio: 'ignore' },
    );
    return performance.now() - t0;
  };

  try {
    const measured = await worker.runUntil(async () => {
      for (let i = 0; i < 3; i++) await pushAndRun(-1 - i); // warm-up: bundle, mirror, connections
      const runs: { wallMs: number; firstStepMs: number }[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await pushAndRun(i));
      const shell: number[] = [];
      for (let i = 0; i < RUNS; i++) shell.push(shellScript(i));
      return { runs, shell };
    });
    const pipelineWall = stats(measured.runs.map((run) => run.wallMs));
    const shellWall = stats(measured.shell);
    const firstStep = stats(measured.runs.map((run) => run.firstStepMs));
    const quality = await benchQualityParsing();
    const rows = [
      { path: 'shell script: clone + 3 jobs (baseline)', p50: shellWall.p50, p99: shellWall.p99, vsBaseline: 1 },
      {
        path: 'pipelineRun: webhook 2xx -> run ended',
        p50: pipelineWall.p50,
        p99: pipelineWall.p99,
        vsBaseline: pipelineWall.p50 / shellWall.p50,
      },
      { path: 'webhook 2xx -> first step process started', p50: firstStep.p50, p99: firstStep.p99, vsBaseline: NaN },
    ];
    const perJobMs = (pipelineWall.p50 - shellWall.p50) / 3;
    console.log(`\npipeline (${RUNS} runs of 3 jobs, sequential)`);
    console.table(
      rows.map((row) => ({
        path: row.path,
        'p50 ms': row.p50.toFixed(0),
        'p99 ms': row.p99.toFixed(0),
        'vs baseline': Number.isNaN(row.vsBaseline) ? '' : `${row.vsBaseline.toFixed(1)}x`,
      })),
    );
    console.log(
      `orchestration added per job: ${perJobMs.toFixed(0)} ms (aim: under 1000 ms) ${perJobMs < 1000 ? 'MET' : 'NOT MET'}`,
    );
    console.log('\nquality gate evaluation (medians)');
    console.table(
      quality.map((row) => ({ path: row.path, ms: row.ms.toFixed(1), 'vs baseline': `${row.vsBaseline.toFixed(2)}x` })),
    );
    writeResults('pipeline', { runs: RUNS, rows, orchestrationPerJobMs: perJobMs, quality });
  } finally {
    await app.close();
    await env.teardown();
    await store.close();
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}
