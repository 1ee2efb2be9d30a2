import { PipelineRunState } from '../../domain/pipelines/pipeline-run-state';
import { parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import type { PipelineRunInput, PipelineTrigger } from '../../domain/pipelines/pipeline-types';

const trigger: PipelineTrigger = {
  repo: '/src/app',
  repoKey: 'src/app',
  ref: 'refs/heads/main',
  sha: 'c'.repeat(40),
  branch: 'main',
  event: 'push',
  actor: 'dev',
};
const input: PipelineRunInput = { trigger, attempt: 1 };
const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

// install -> (lint, test, docs) -> deploy; docs only on pull requests; two at a time.
const definition = parsePipelineYaml(
  `max-parallel: 2
jobs:
  install: {steps: [{name: ci, run: npm ci}]}
  lint: {needs: install, steps: [{name: eslint, run: npx eslint .}]}
  test:
    needs: install
    steps: [{name: unit, run: npm test}, {name: report, run: cat junit.xml}]
    reports: {junit: junit.xml}
  docs: {needs: install, if: {events: [pull_request]}, steps: [{run: make docs}]}
  deploy: {needs: [lint, test], steps: [{run: ./deploy}]}
`,
  '.arxflow/pipeline.yml',
);

const ids = (state: PipelineRunState) => state.readyJobs().map((job) => job.id);
const statuses = (state: PipelineRunState) => Object.fromEntries(state.view().jobs.map((job) => [job.id, job.status]));
const runJob = (state: PipelineRunState, id: string, minute: number, status: 'succeeded' | 'failed' = 'succeeded') => {
  state.jobStarted(id, at(minute));
  state.jobFinished(id, status, at(minute + 1));
};

describe('PipelineRunState', () => {
  it('is queued until defined, with nothing ready and no jobs in its view', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    expect(state.status).toBe('queued');
    expect(state.readyJobs()).toEqual([]);
    expect(state.settled).toBe(false);
    expect(state.view()).toEqual({
      runId: 'r1',
      status: 'queued',
      repo: '/src/app',
      repoKey: 'src/app',
      ref: 'refs/heads/main',
      sha: 'c'.repeat(40),
      attempt: 1,
      event: 'push',
      createdAt: at(0),
      jobs: [],
    });
  });

  it('runs the DAG in order, at most max-parallel at once, skipping filtered jobs with why', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(definition);
    expect(state.status).toBe('running');
    expect(statuses(state)).toEqual({
      install: 'queued',
      lint: 'queued',
      test: 'queued',
      docs: 'skipped',
      deploy: 'queued',
    });
    expect(state.view().jobs.find((job) => job.id === 'docs')).toMatchObject({
      reason: 'event push is not in if.events (pull_request)',
      steps: [{ name: 'Run make docs', status: 'skipped' }],
    });
    expect(ids(state)).toEqual(['install']);
    state.jobStarted('install', at(1));
    expect(ids(state)).toEqual([]);
    state.stepStarted('install', 0);
    state.stepFinished('install', 0, { status: 'succeeded', exitCode: 0, durationMs: 1200, attempt: 1 });
    state.jobFinished('install', 'succeeded', at(2));
    expect(ids(state)).toEqual(['lint', 'test']);
    state.jobStarted('lint', at(3));
    expect(ids(state)).toEqual(['test']);
    state.jobStarted('test', at(3));
    expect(state.runningJobs).toEqual(['lint', 'test']);
    expect(ids(state)).toEqual([]);
    state.jobFinished('lint', 'succeeded', at(4));
    expect(ids(state)).toEqual([]); // deploy still needs test
    state.jobFinished('test', 'succeeded', at(5));
    expect(ids(state)).toEqual(['deploy']);
    expect(state.settled).toBe(false);
    runJob(state, 'deploy', 6);
    expect(state.settled).toBe(true);
    expect(state.status).toBe('running'); // until ended: the gate may still fail it
    expect(state.reportingJobs).toEqual(['test']);
    state.setQuality({ verdict: 'pass', checks: [] });
    state.ended(at(9));
    expect(state.status).toBe('succeeded');
    const view = state.view();
    expect(view).toMatchObject({ status: 'succeeded', endedAt: at(9), quality: { verdict: 'pass' } });
    expect(view.jobs[0]).toEqual({
      id: 'install',
      status: 'succeeded',
      startedAt: at(1),
      endedAt: at(2),
      steps: [{ name: 'ci', status: 'succeeded', exitCode: 0, durationMs: 1200, attempts: 1 }],
    });
  });

  it('skips what needs a failed job, transitively, and fails the run', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(definition);
    runJob(state, 'install', 1);
    state.jobStarted('lint', at(2));
    state.jobStarted('test', at(2));
    state.stepStarted('test', 0);
    state.stepFinished('test', 0, { status: 'failed', exitCode: 1 });
    state.jobFinished('test', 'failed', at(3), 'step unit exited with 1');
    const deploy = state.view().jobs.find((job) => job.id === 'deploy');
    expect(deploy).toMatchObject({ status: 'skipped', reason: 'needs test, which failed' });
    const test = state.view().jobs.find((job) => job.id === 'test');
    expect(test?.steps.map((step) => step.status)).toEqual(['failed', 'skipped']);
    expect(test?.reason).toBe('step unit exited with 1');
    expect(state.settled).toBe(false); // lint still runs
    state.jobFinished('lint', 'succeeded', at(4));
    expect(state.settled).toBe(true);
    expect(state.reportingJobs).toEqual([]);
    state.ended(at(5));
    expect(state.status).toBe('failed');
  });

  it('names the first cause through a chain of skipped jobs', () => {
    const chain = parsePipelineYaml(
      'jobs:\n  a: {steps: [{run: x}]}\n  b: {needs: a, steps: [{run: x}]}\n  c: {needs: b, steps: [{run: x}]}\n',
      'p.yml',
    );
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(chain);
    runJob(state, 'a', 1, 'failed');
    expect(state.view().jobs.map((job) => [job.id, job.status, job.reason])).toEqual([
      ['a', 'failed', undefined],
      ['b', 'skipped', 'needs a, which failed'],
      ['c', 'skipped', 'needs a, which failed'],
    ]);
    expect(state.settled).toBe(true);
  });

  it('fails a run whose jobs passed when the quality verdict fails', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(definition);
    for (const [minute, id] of ['install', 'lint', 'test', 'deploy'].entries()) runJob(state, id, minute);
    state.setQuality({
      verdict: 'fail',
      checks: [{ name: 'coverage.lines', passed: false, actual: 61.5, required: 80 }],
    });
    state.ended(at(9));
    expect(state.status).toBe('failed');
    expect(state.view().quality?.checks[0]?.actual).toBe(61.5);
  });

  it('reuses the jobs that succeeded in the earlier run on a rerun of failed jobs only', () => {
    const rerun: PipelineRunInput = {
      trigger,
      attempt: 2,
      rerun: { of: 'pipeline/src/app/ccc/1', onlyFailed: true, succeededJobs: ['install', 'lint'] },
    };
    const state = new PipelineRunState({ runId: 'r2', input: rerun, createdAt: at(0) });
    state.defined(definition);
    expect(statuses(state)).toMatchObject({ install: 'succeeded', lint: 'succeeded', test: 'queued' });
    expect(state.view().jobs[0]).toMatchObject({
      reason: 'reused from pipeline/src/app/ccc/1',
      steps: [{ status: 'skipped' }],
    });
    expect(state.reusedJobs).toEqual(['install', 'lint']);
    expect(ids(state)).toEqual(['test']);
    runJob(state, 'test', 1);
    runJob(state, 'deploy', 2);
    expect(state.reportingJobs).toEqual(['test']);
    state.ended(at(3));
    expect(state.status).toBe('succeeded');

    const all = new PipelineRunState({
      runId: 'r3',
      input: { ...rerun, rerun: { ...rerun.rerun!, onlyFailed: false } },
      createdAt: at(0),
    });
    all.defined(definition);
    expect(ids(all)).toEqual(['install']);
  });

  it('cancels queued jobs at once; running ones end through jobFinished; the run is cancelled', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(definition);
    runJob(state, 'install', 1);
    state.jobStarted('lint', at(2));
    state.stepStarted('lint', 0);
    state.cancel('cancelled by a newer push (pipeline/src/app/ddd/1)', at(3));
    expect(state.status).toBe('cancelled');
    expect(ids(state)).toEqual([]);
    expect(statuses(state)).toMatchObject({ lint: 'running', test: 'cancelled', deploy: 'cancelled' });
    expect(state.settled).toBe(false);
    state.jobFinished('lint', 'cancelled', at(4));
    expect(state.settled).toBe(true);
    expect(state.view().jobs.find((job) => job.id === 'lint')?.steps[0]?.status).toBe('cancelled');
    state.ended(at(4));
    expect(state.view()).toMatchObject({
      status: 'cancelled',
      error: 'cancelled by a newer push (pipeline/src/app/ddd/1)',
    });
  });

  it('cancelled before the definition arrived: settled, and defined() cancels every job', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.cancel('cancelled by dev', at(1));
    expect(state.settled).toBe(true);
    state.defined(definition);
    expect(state.status).toBe('cancelled');
    expect(state.readyJobs()).toEqual([]);
    expect(Object.values(statuses(state)).sort()).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
      'skipped',
    ]);
  });

  it('fails at once when the definition is refused', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.refused('.arxflow/pipeline.yml:3:5: jobs.test.need: unknown field', at(1));
    expect(state.settled).toBe(true);
    expect(state.view()).toMatchObject({
      status: 'failed',
      endedAt: at(1),
      error: '.arxflow/pipeline.yml:3:5: jobs.test.need: unknown field',
      jobs: [],
    });
  });

  it('keeps the first outcome of a job, refuses unknown jobs and steps, and hands out copies', () => {
    const state = new PipelineRunState({ runId: 'r1', input, createdAt: at(0) });
    state.defined(definition);
    runJob(state, 'install', 1);
    state.jobFinished('install', 'failed', at(5));
    expect(statuses(state).install).toBe('succeeded');
    expect(() => state.jobStarted('nope', at(1))).toThrow('no job nope');
    expect(() => state.jobStarted('install', at(1))).toThrow('install is succeeded, not queued');
    expect(() => state.stepStarted('lint', 5)).toThrow('has no step 5');
    const view = state.view();
    view.jobs[0]!.status = 'failed';
    state.readyJobs()[0]!.steps.length = 0;
    expect(statuses(state).install).toBe('succeeded');
    expect(state.readyJobs()[0]?.steps).toHaveLength(1);
  });
});
