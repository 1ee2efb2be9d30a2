import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pipelineRunId, type PipelineRunInput, type PipelineRunView } from '../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../domain/pipelines/repo-key';
import { listProcesses, workingDirOf } from '../platform/process-identity';
import { createGitRepo, type GitRepo } from '../test/support/git-repo';
import { pipelineRun, pipelineStatusQuery } from '../workflows';
import { tally } from './tally';
import { ChaosDriver } from './driver';
import type { ChaosCount } from './scenario';
import { TASK_QUEUE, type ChaosWorld } from './world';

/**
 * Pipeline runs in the chaos workload: one real git repository whose pipeline has two jobs of
 * real step processes (`build`, then `package` after it), one commit per run, each run started
 * as a push would start it and driven to `succeeded` while workers die. A step's processes
 * write a mark when they end, so the marks show which steps ran; the audit chain shows each
 * job's end and the run's end, which must be recorded exactly once.
 */

/**
 * An unusual sleep length names the workload's step processes among the machine's (none may outlive
 * its run); their working directory, a workspace in the world's worker data, tells this world's from
 * those of a chaos run beside it (the suite runs two test files at a time).
 */
const STEP_SLEEP = 'sleep 0.73';
export const PIPELINE_STEPS: Record<string, string[]> = { build: ['compile', 'test'], package: ['pack'] };

const definition = (marks: string) => {
  const step = (job: string, name: string) =>
    `      - name: ${name}\n        run: ${STEP_SLEEP} && echo "$ARXFLOW_RUN_ID|${job}|${name}" >> ${marks}\n`;
  return [
    'name: chaos',
    'jobs:',
    '  build:',
    '    steps:',
    ...PIPELINE_STEPS.build!.map((name) => step('build', name)),
    '  package:',
    '    needs: [build]',
    '    steps:',
    ...PIPELINE_STEPS.package!.map((name) => step('package', name)),
  ].join('\n');
};

export interface PipelineFixture {
  repo: GitRepo;
  repoKey: string;
  /** The commit each run builds, by item. */
  shas: string[];
  /** Where the steps write their marks. */
  marks: string;
}

/** The repository, with one commit per run (each a distinct sha, so a distinct run). */
export function preparePipelines(world: ChaosWorld, run: string, count: number): PipelineFixture {
  const marks = path.join(world.dir, 'pipeline-steps.log');
  const repo = createGitRepo({ '.arxflow/pipeline.yml': definition(marks) });
  const shas = Array.from({ length: count }, (_, i) => repo.commit({ 'item.txt': `${run} ${i}\n` }, `item ${i}`));
  return { repo, repoKey: repoKeyOf(repo.dir), shas, marks };
}

export const pipelineRunIdOf = (fixture: PipelineFixture, i: number) =>
  pipelineRunId(fixture.repoKey, fixture.shas[i]!, 1);

/** Starts item i's run as a push of its commit would, and waits for it to succeed. */
export async function drivePipeline(
  world: ChaosWorld,
  fixture: PipelineFixture,
  i: number,
  driver: ChaosDriver,
): Promise<void> {
  const sha = fixture.shas[i]!;
  const workflowId = pipelineRunIdOf(fixture, i);
  const input: PipelineRunInput = {
    trigger: {
      repo: fixture.repo.dir,
      repoKey: fixture.repoKey,
      ref: 'refs/heads/main',
      sha,
      branch: 'main',
      event: 'push',
      actor: 'chaos-dev',
    },
    attempt: 1,
  };
  await driver.startOnce(`start ${workflowId}`, () =>
    world.client.workflow.start(pipelineRun, { taskQueue: TASK_QUEUE, workflowId, args: [input] }),
  );
  const view = await driver.resultOf<PipelineRunView>(
    world.client.workflow.getHandle(workflowId),
    `result of ${workflowId}`,
  );
  if (view.status !== 'succeeded') throw new Error(`${workflowId} ended ${view.status}: ${whyNot(view)}`);
}

/** The run's error, or its jobs that did not succeed with their reasons and steps. */
function whyNot(view: PipelineRunView): string {
  if (view.error) return view.error;
  return view.jobs
    .filter((job) => job.status !== 'succeeded')
    .map((job) => {
      const steps = job.steps.map((step) => `${step.name} ${step.status} x${step.attempts ?? 1}`).join(', ');
      return `job ${job.id} ${job.status} (${job.reason ?? 'no reason'}; steps: ${steps})`;
    })
    .join('; ');
}

/**
 * Counted where they land: the end of each job and of each run in the audit chain (the live
 * stream's record: exactly once each), and each step's mark. A step is at least once by design,
 * as in every CI system: a worker killed while it ran leaves it half done, and it runs again
 * from its start; so a step's marks count once, and a step marked twice is a check that holds
 * only where the run's view says that step took more than one attempt.
 */
export async function countPipelines(
  world: ChaosWorld,
  fixture: PipelineFixture,
): Promise<{ counts: ChaosCount[]; checks: { name: string; ok: boolean; detail?: string }[] }> {
  const runIds = fixture.shas.map((_, i) => pipelineRunIdOf(fixture, i));
  const jobKeys = runIds.flatMap((runId) => Object.keys(PIPELINE_STEPS).map((job) => `${runId}|${job}`));
  const stepKeys = runIds.flatMap((runId) =>
    Object.entries(PIPELINE_STEPS).flatMap(([job, steps]) => steps.map((step) => `${runId}|${job}|${step}`)),
  );
  const events = await world.store.db.query<{ action: string; run_id: string; job_id: string | null; status: string }>(
    `SELECT action, data->>'runId' AS run_id, data->>'jobId' AS job_id, data->>'status' AS status FROM audit_events
     WHERE action IN ('pipeline.job.finished', 'pipeline.finished') AND data->>'runId' = ANY($1)`,
    [runIds],
  );
  const succeeded = events.filter((event) => event.status === 'succeeded');
  const marks = existsSync(fixture.marks) ? readFileSync(fixture.marks, 'utf8').split('\n').filter(Boolean) : [];
  const rerun = [...countBy(marks).entries()].filter(([, n]) => n > 1).map(([key]) => key);
  const unexplained = await rerunsWithoutRetry(world, rerun);
  const workspaces = `${realpathSync(world.workerDataDir)}${path.sep}`;
  const left = listProcesses().filter(
    (entry) => entry.args.includes(STEP_SLEEP) && workingDirOf(entry.pid).startsWith(workspaces),
  );
  return {
    counts: [
      tally(
        'pipeline jobs succeeded in the audit chain',
        jobKeys,
        succeeded.filter((e) => e.action === 'pipeline.job.finished').map((e) => `${e.run_id}|${e.job_id}`),
      ),
      tally(
        'pipeline runs succeeded in the audit chain',
        runIds,
        succeeded.filter((e) => e.action === 'pipeline.finished').map((e) => e.run_id),
      ),
      tally('pipeline steps run (marks, each step once)', stepKeys, [...new Set(marks)]),
    ],
    checks: [
      {
        name: 'a pipeline step ran again only where its worker died (the run counts its attempts)',
        ok: unexplained.length === 0,
        detail: rerun.length
          ? `${rerun.length} re-run${unexplained.length ? `; unexplained: ${unexplained.join(', ')}` : ''}`
          : 'no step ran again',
      },
      {
        name: 'no pipeline step process left running',
        ok: left.length === 0,
        ...(left.length ? { detail: left.map((entry) => entry.pid).join(', ') } : {}),
      },
    ],
  };
}

/**
 * Of the steps marked more than once (`runId|job|step`), those whose run view shows a single
 * attempt (asked by query, bounded: a run that never ended must not hold the count).
 */
async function rerunsWithoutRetry(world: ChaosWorld, keys: string[]): Promise<string[]> {
  const driver = new ChaosDriver(Date.now() + 30_000);
  const unexplained: string[] = [];
  for (const key of keys) {
    const [runId, job, step] = key.split('|') as [string, string, string];
    const view = await driver
      .persist(`status of ${runId}`, () => world.client.workflow.getHandle(runId).query(pipelineStatusQuery))
      .catch(() => undefined);
    const attempts = view?.jobs.find((j) => j.id === job)?.steps.find((s) => s.name === step)?.attempts ?? 1;
    if (attempts < 2) unexplained.push(key);
  }
  return unexplained;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
