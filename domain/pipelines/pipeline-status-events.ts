import type { JobStatus, PipelineRunView, RunStatus } from './pipeline-types';

/**
 * A status change of a pipeline run as the audit chain records it (and so the live stream's
 * `pipelines` area carries it, domain/stream-topics.ts). Actions, in the order a run makes them:
 * - `pipeline.queued`: the run exists (first view);
 * - `pipeline.started`: its definition loaded, jobs about to run;
 * - `pipeline.job.started` / `pipeline.job.finished` (with the job's status and reason): each job,
 *   the stage a user follows (steps stay in the run's log and view);
 * - `pipeline.quality`: the quality gate's verdict, with the checks that failed;
 * - `pipeline.finished`: the run's end with its status, error and the quality verdict.
 */
export interface PipelineStatusEvent {
  action: string;
  data: Record<string, unknown>;
}

const ENDED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Turns successive views of one run into the status changes between them: each call answers
 * what changed since the previous call's view. Plain data, no clock: the pipelineRun workflow
 * feeds it the view after every change (the same views on replay, so the same events).
 */
export class PipelineStatusChanges {
  private run: RunStatus | undefined;
  private readonly jobs = new Map<string, JobStatus>();
  private quality: string | undefined;

  next(view: PipelineRunView): PipelineStatusEvent[] {
    const events: PipelineStatusEvent[] = [];
    const base = { runId: view.runId, repoKey: view.repoKey, ref: view.ref, sha: view.sha, attempt: view.attempt };
    if (this.run === undefined) events.push({ action: 'pipeline.queued', data: { ...base, status: 'queued' } });
    if (view.status !== this.run && view.status === 'running')
      events.push({ action: 'pipeline.started', data: { ...base, status: 'running', jobs: view.jobs.length } });
    for (const job of view.jobs) {
      const before = this.jobs.get(job.id) ?? 'queued';
      if (job.status === before) continue;
      this.jobs.set(job.id, job.status);
      if (job.status === 'running') {
        events.push({ action: 'pipeline.job.started', data: { runId: view.runId, jobId: job.id, status: 'running' } });
      } else if (job.status !== 'queued') {
        events.push({
          action: 'pipeline.job.finished',
          data: { runId: view.runId, jobId: job.id, status: job.status, ...(job.reason ? { reason: job.reason } : {}) },
        });
      }
    }
    if (view.quality && view.quality.verdict !== this.quality) {
      this.quality = view.quality.verdict;
      const failed = view.quality.checks.filter((check) => !check.passed).map((check) => check.name);
      events.push({ action: 'pipeline.quality', data: { runId: view.runId, verdict: view.quality.verdict, failed } });
    }
    if (view.status !== this.run && ENDED.includes(view.status)) {
      events.push({
        action: 'pipeline.finished',
        data: {
          ...base,
          status: view.status,
          ...(view.error ? { error: view.error } : {}),
          ...(view.quality ? { quality: view.quality.verdict } : {}),
          jobs: Object.fromEntries(view.jobs.map((job) => [job.id, job.status])),
        },
      });
    }
    this.run = view.status;
    return events;
  }
}
