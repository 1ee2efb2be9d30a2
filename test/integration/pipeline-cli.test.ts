import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipelineRunId } from '../../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { runArxflowInProcess } from '../support/cli-in-process';
import { runArxflow } from '../support/cli-process';
import { tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';
import { createGitRepo } from '../support/git-repo';

const PIPELINE = `jobs:
  build:
    steps:
      - name: compile
        run: echo compiled
  test:
    needs: build
    steps:
      - name: unit
        run: echo "tests ran" && printf '<testsuite name="s" tests="1"><testcase classname="c" name="t1"/></testsuite>' > junit.xml
    reports:
      junit: [junit.xml]
quality:
  tests: { maxFailed: 0 }
`;

const repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE });
const greenSha = repo.sha();
repo.branch('red');
const redSha = repo.commit({
  '.arxflow/pipeline.yml': PIPELINE.replace('echo "tests ran"', 'echo "1 failed" && exit 3'),
});
repo.branch('broken');
repo.commit({ '.arxflow/pipeline.yml': PIPELINE.replace('needs: build', 'needs: lint') });
repo.checkout('main');
const repoKey = repoKeyOf(repo.dir);

/**
 * A dev server, the production worker (its pipeline files in `dataDir`) and the gateway the CLI
 * reaches (ARXFLOW_URL): an in-memory store belongs to this process, so the CLI goes through the
 * gateway, as it does to a running `npm start`.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-cli-'));
const world = useDevServerWorld('pipeline-cli', { gateway: { dataDir }, activities: () => ({ dataDir }) });
let cliEnv: Record<string, string | undefined>;
beforeAll(async () => {
  cliEnv = {
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: await tokenFor('olga', 'operator'),
    ARXFLOW_DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    TEMPORAL_ADDRESS: undefined,
  };
});
afterAll(() => {
  repo.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `arxflow <args>` in this process, with the CLI's environment, capturing what it prints. */
const arxflow = (...args: string[]) => runArxflowInProcess(args, cliEnv);

describe('arxflow pipeline run --wait --json (the binary): exit 0 succeeded, 1 failed, 2 bad input', () => {
  it('a green pipeline exits 0 with the contract JSON', async () => {
    const result = await runArxflow(['pipeline', 'run', repo.dir, 'main', '--wait', '--json'], cliEnv);
    expect(result).toMatchObject({ status: 0 });
    expect(JSON.parse(result.stdout)).toMatchObject({
      runId: pipelineRunId(repoKey, greenSha, 1),
      status: 'succeeded',
      jobs: [
        { id: 'build', status: 'succeeded' },
        { id: 'test', status: 'succeeded' },
      ],
      quality: { verdict: 'pass' },
    });
  });

  it('a failing step exits 1, the run failed', async () => {
    const result = await runArxflow(['pipeline', 'run', repo.dir, 'red', '--wait', '--json'], cliEnv);
    expect(result).toMatchObject({ status: 1 });
    expect(JSON.parse(result.stdout)).toMatchObject({
      runId: pipelineRunId(repoKey, redSha, 1),
      status: 'failed',
      jobs: [
        { id: 'build', status: 'succeeded' },
        { id: 'test', status: 'failed' },
      ],
    });
  });

  it('an invalid pipeline file exits 2 naming file and line; nothing starts', async () => {
    const result = await runArxflow(['pipeline', 'run', repo.dir, 'broken', '--wait', '--json'], cliEnv);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('.arxflow/pipeline.yml:7:12: jobs.test.needs[0]: unknown job "lint"');
    expect(result.stdout).toBe('');
  });
});

describe('arxflow pipeline status, logs, list, rerun, cancel and quality history (in process)', () => {
  const green = pipelineRunId(repoKey, greenSha, 1);
  const red = pipelineRunId(repoKey, redSha, 1);

  it('status --json has the shape of run --wait; text shows jobs and steps', async () => {
    const json = await arxflow('pipeline', 'status', green, '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      runId: green,
      status: 'succeeded',
      jobs: [{ id: 'build' }, { id: 'test' }],
    });
    const text = await arxflow('pipeline', 'status', red);
    expect(text.stdout).toMatch(/status\s+failed/);
    expect(text.stdout).toMatch(/unit\s+failed\s+3/);
  });

  it('logs print what the steps wrote, per job; --follow of an ended run prints it all and ends', async () => {
    const all = await arxflow('pipeline', 'logs', green);
    expect(all.stdout).toContain('build | compiled');
    expect(all.stdout).toContain('test | tests ran');
    const build = await arxflow('pipeline', 'logs', red, '--job', 'test', '--follow');
    expect(build).toMatchObject({ status: 0, stderr: expect.stringContaining(`run ${red} failed`) });
    expect(build.stdout).toContain('1 failed');
    expect(build.stdout).not.toContain('compiled');
  });

  it('list shows the runs, filtered by status', async () => {
    const failed = await arxflow('pipeline', 'list', '--repo', repo.dir, '--status', 'failed', '--json');
    expect(JSON.parse(failed.stdout).map((r: { runId: string }) => r.runId)).toEqual([red]);
    expect(await arxflow('pipeline', 'list', '--status', 'sideways')).toMatchObject({ status: 2 });
  });

  it('rerun --failed is the next attempt, the build reused; it fails again (exit 1)', async () => {
    const rerun = await arxflow('pipeline', 'rerun', red, '--failed', '--wait', '--json');
    expect(rerun.status).toBe(1);
    const view = JSON.parse(rerun.stdout);
    expect(view).toMatchObject({
      runId: pipelineRunId(repoKey, redSha, 2),
      status: 'failed',
      jobs: [
        { id: 'build', status: 'succeeded', reason: expect.stringContaining(red) },
        { id: 'test', status: 'failed' },
      ],
    });
  });

  it('cancel of an ended run exits 1 saying so; a malformed run id exits 2', async () => {
    expect(await arxflow('pipeline', 'cancel', green)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('has ended already (succeeded)'),
    });
    expect(await arxflow('pipeline', 'status', 'not-a-run')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('must be a pipeline run id'),
    });
  });

  it('quality trend lists the verdicts of the service (the green run kept a JUnit report); flaky lists none', async () => {
    const trend = await arxflow('quality', 'trend', repoKey, '--json');
    expect(trend.status).toBe(0);
    expect(JSON.parse(trend.stdout)).toEqual([
      expect.objectContaining({ runId: green, sha: greenSha, verdict: 'pass' }),
    ]);
    const text = await arxflow('quality', 'trend', repoKey, '--metric', 'tests.failed');
    expect(text.stdout).toMatch(new RegExp(`${greenSha}\\s+pass\\s+0\\s`));
    const flaky = await arxflow('quality', 'flaky', '--service', repoKey, '--json');
    expect(JSON.parse(flaky.stdout)).toEqual([]);
  });
});
