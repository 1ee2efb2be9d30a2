// What a pipeline run knows about itself: which jobs may start, what each step did, and the run's
// status. Plain data in, plain view out, no clock (times are passed in): pipelineRun keeps one and its
// status query returns view(), so the workflow, the CLI and the API read the same shape.
import type { QualityVerdict } from '../quality/quality-types';
import { clonePlain } from '../plain-data';
import { topologicalOrder } from './job-graph';
import { jobFilterRefusal } from './job-filter';
import type {
  JobDefinition,
  JobStatus,
  JobView,
  PipelineDefinition,
  PipelineRunInput,
  PipelineRunView,
  RunStatus,
  StepStatus,
} from './pipeline-types';

const ENDED_JOB: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped'];

export class PipelineRunState {
  private readonly runId: string;
  private readonly input: PipelineRunInput;
  private readonly createdAt: string;
  private pipeline: PipelineDefinition | undefined;
  /** In the order jobs may start (topological, then file order). */
  private jobs: JobView[] = [];
  /** Jobs reused from the rerun's earlier run: succeeded there, not run (and no reports) here. */
  private readonly reused = new Set<string>();
  private quality: QualityVerdict | undefined;
  private refusal: string | undefined;
  private cancelReason: string | undefined;
  private endedAt: string | undefined;

  constructor(args: { runId: string; input: PipelineRunInput; createdAt: string }) {
    this.runId = args.runId;
    this.input = clonePlain(args.input);
    this.createdAt = args.createdAt;
  }

  /**
   * The definition is loaded: every job is queued, except jobs whose `if` refuses the trigger
   * ('skipped', with why) and, on a rerun of failed jobs only, jobs that succeeded in the earlier run
   * ('succeeded', "reused from <run>"). Jobs that need a skipped job are skipped too.
   */
  defined(definition: PipelineDefinition): void {
    if (this.pipeline) throw new Error(`run ${this.runId}: defined twice`);
    this.pipeline = clonePlain(definition);
    const rerun = this.input.rerun;
    const reusable = new Set(rerun?.onlyFailed ? rerun.succeededJobs : []);
    this.jobs = topologicalOrder(definition.jobs).map((id) => {
      const job = definition.jobs[id] as JobDefinition;
      const refusal = jobFilterRefusal(job.if, this.input.trigger);
      const steps = job.steps.map((step) => ({ name: step.name, status: 'queued' as StepStatus }));
      if (refusal !== undefined) return { id, status: 'skipped', reason: refusal, steps: skipped(steps) };
      if (rerun && reusable.has(id)) {
        this.reused.add(id);
        return { id, status: 'succeeded', reason: `reused from ${rerun.of}`, steps: skipped(steps) };
      }
      return { id, status: 'queued', steps };
    });
    if (this.cancelReason !== undefined) this.cancelQueued(this.cancelReason);
    this.skipBlocked();
  }

  /** The definition could not be loaded (or was refused): the run failed with this error. */
  refused(error: string, at: string): void {
    this.refusal = error;
    this.endedAt ??= at;
  }

  /** The loaded definition (undefined until defined()). */
  get definition(): PipelineDefinition | undefined {
    return this.pipeline;
  }

  /**
   * Queued jobs whose needs all succeeded, at most maxParallel running at once counting those running
   * now, in start order. They stay queued until jobStarted: start each before asking again.
   */
  readyJobs(): JobDefinition[] {
    const pipeline = this.pipeline;
    if (!pipeline || this.cancelReason !== undefined || this.refusal !== undefined) return [];
    const free = pipeline.maxParallel - this.jobs.filter((job) => job.status === 'running').length;
    if (free <= 0) return [];
    const statusOf = new Map(this.jobs.map((job) => [job.id, job.status]));
    return this.jobs
      .filter((job) => job.status === 'queued')
      .map((job) => pipeline.jobs[job.id] as JobDefinition)
      .filter((job) => job.needs.every((need) => statusOf.get(need) === 'succeeded'))
      .slice(0, free)
      .map((job) => clonePlain(job));
  }

  /** Ids of the jobs running now (the workflow cancels their activities when the run is cancelled). */
  get runningJobs(): string[] {
    return this.jobs.filter((job) => job.status === 'running').map((job) => job.id);
  }

  jobStarted(jobId: string, at: string): void {
    const job = this.job(jobId);
    if (job.status !== 'queued') throw new Error(`run ${this.runId}: job ${jobId} is ${job.status}, not queued`);
    job.status = 'running';
    job.startedAt = at;
  }

  stepStarted(jobId: string, index: number): void {
    this.step(jobId, index).status = 'running';
  }

  stepFinished(
    jobId: string,
    index: number,
    outcome: { status: StepStatus; exitCode?: number | null; durationMs?: number; attempt?: number },
  ): void {
    const step = this.step(jobId, index);
    step.status = outcome.status;
    if (typeof outcome.exitCode === 'number') step.exitCode = outcome.exitCode;
    if (outcome.durationMs !== undefined) step.durationMs = outcome.durationMs;
    if (outcome.attempt !== undefined) step.attempts = outcome.attempt;
  }

  /**
   * A job ended. Its steps that did not get to run become 'skipped' (a running one 'cancelled' when the
   * job was). A failed or cancelled job skips every job that needs it, directly or not:
   * "needs <id>, which failed". A job that already ended keeps its first outcome.
   */
  jobFinished(jobId: string, status: 'succeeded' | 'failed' | 'cancelled', at: string, reason?: string): void {
    const job = this.job(jobId);
    if (ENDED_JOB.includes(job.status)) return;
    job.status = status;
    job.endedAt = at;
    if (reason !== undefined) job.reason = reason;
    for (const step of job.steps) {
      if (step.status === 'queued') step.status = 'skipped';
      else if (step.status === 'running') step.status = status === 'succeeded' ? 'succeeded' : 'cancelled';
    }
    this.skipBlocked();
  }

  /** Nothing left to do: refused, or no job queued (that could still start) and none running. */
  get settled(): boolean {
    if (this.refusal !== undefined) return true;
    if (!this.pipeline) return this.cancelReason !== undefined;
    return this.jobs.every((job) => job.status !== 'queued' && job.status !== 'running');
  }

  /**
   * The run is cancelled (a newer push in its concurrency group, an operator): queued jobs become
   * 'cancelled' now; running ones are ended by the workflow, which then calls jobFinished.
   */
  cancel(reason: string, at: string): void {
    if (this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.cancelQueued(reason, at);
  }

  setQuality(verdict: QualityVerdict): void {
    this.quality = clonePlain(verdict);
  }

  /** Jobs that ran here, succeeded and declare reports: the files the quality gate reads. */
  get reportingJobs(): string[] {
    const jobs = this.pipeline?.jobs ?? {};
    return this.jobs
      .filter((job) => job.status === 'succeeded' && !this.reused.has(job.id))
      .filter((job) => {
        const reports = jobs[job.id]?.reports;
        return !!reports && reports.coverage.length + reports.junit.length + reports.bench.length > 0;
      })
      .map((job) => job.id);
  }

  /** Jobs taken over from the rerun's earlier run instead of running again. */
  get reusedJobs(): string[] {
    return [...this.reused];
  }

  /**
   * queued until defined; running until ended(); then succeeded, or failed (a job failed, the quality
   * verdict is fail, or the definition was refused), or cancelled. Cancelled and refused show at once.
   */
  get status(): RunStatus {
    if (this.cancelReason !== undefined) return 'cancelled';
    if (this.refusal !== undefined) return 'failed';
    if (!this.pipeline) return 'queued';
    if (this.endedAt === undefined) return 'running';
    if (this.jobs.some((job) => job.status === 'failed')) return 'failed';
    if (this.quality?.verdict === 'fail') return 'failed';
    if (this.jobs.some((job) => job.status === 'cancelled')) return 'cancelled';
    return 'succeeded';
  }

  /** The run is over (after the gate, if any): its status is final from now on. */
  ended(at: string): void {
    this.endedAt ??= at;
  }

  view(): PipelineRunView {
    const { trigger, attempt } = this.input;
    const view: PipelineRunView = {
      runId: this.runId,
      status: this.status,
      repo: trigger.repo,
      repoKey: trigger.repoKey,
      ref: trigger.ref,
      sha: trigger.sha,
      attempt,
      event: trigger.event,
      createdAt: this.createdAt,
      jobs: clonePlain(this.jobs),
    };
    if (this.endedAt !== undefined) view.endedAt = this.endedAt;
    if (this.quality) view.quality = clonePlain(this.quality);
    const error = this.refusal ?? this.cancelReason;
    if (error !== undefined) view.error = error;
    return view;
  }

  private job(jobId: string): JobView {
    const job = this.jobs.find((candidate) => candidate.id === jobId);
    if (!job) throw new Error(`run ${this.runId}: no job ${jobId}`);
    return job;
  }

  private step(jobId: string, index: number): JobView['steps'][number] {
    const step = this.job(jobId).steps[index];
    if (!step) throw new Error(`run ${this.runId}: job ${jobId} has no step ${index}`);
    return step;
  }

  private cancelQueued(reason: string, at?: string): void {
    for (const job of this.jobs) {
      if (job.status !== 'queued') continue;
      job.status = 'cancelled';
      job.reason = reason;
      if (at !== undefined) job.endedAt = at;
      job.steps = skipped(job.steps);
    }
  }

  /** Queued jobs with a need that failed, was cancelled or skipped are skipped, naming the first cause. */
  private skipBlocked(): void {
    const pipeline = this.pipeline;
    if (!pipeline) return;
    const cause = new Map<string, string>();
    for (const job of this.jobs) {
      if (job.status === 'failed') cause.set(job.id, `needs ${job.id}, which failed`);
      if (job.status === 'cancelled') cause.set(job.id, `needs ${job.id}, which was cancelled`);
      if (job.status === 'skipped')
        cause.set(job.id, job.reason?.startsWith('needs ') ? job.reason : `needs ${job.id}, which was skipped`);
      if (job.status !== 'queued') continue;
      const blocker = (pipeline.jobs[job.id]?.needs ?? []).find((need) => cause.has(need));
      if (blocker === undefined) continue;
      job.status = 'skipped';
      job.reason = cause.get(blocker) as string;
      job.steps = skipped(job.steps);
      cause.set(job.id, job.reason);
    }
  }
}

function skipped(steps: JobView['steps']): JobView['steps'] {
  return steps.map((step) => (step.status === 'queued' ? { ...step, status: 'skipped' } : step));
}
