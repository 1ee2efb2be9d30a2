import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineActivities, StoredFile } from '../../activities/pipelines';
import type { GithubActivities } from '../../activities/github';
import type { QualityGateInput, QualityGateResult } from '../../activities/quality/quality-gate-input';
import { concurrencyGroupOf } from '../../domain/pipelines/concurrency';
import { PipelineRunState } from '../../domain/pipelines/pipeline-run-state';
import { PipelineStatusChanges } from '../../domain/pipelines/pipeline-status-events';
import type {
  JobDefinition,
  PipelineDefinition,
  PipelineRunInput,
  PipelineRunView,
} from '../../domain/pipelines/pipeline-types';
import { qualityVerdictMarkdown } from '../../domain/quality/verdict-markdown';
import { AuditTrail } from '../kit/audit-trail';
import { now, nowIso } from '../kit/time';
import { Service } from '../search-attributes';
import { CommitStatuses } from './commit-statuses';
import { pipelinePullRequestSignal, pipelineStatusQuery, pipelineSupersededSignal } from './pipeline-messages';
import { qualityGate, qualityGateId } from './quality-gate';
import { StatePublisher } from './state-publisher';

export { pipelinePullRequestSignal, pipelineStatusQuery, pipelineSupersededSignal } from './pipeline-messages';

// Loading the definition fetches the repository (network, a busy disk): retried, but a file
// that does not parse, or is not there, will not be fixed by a retry: final, and the run
// fails with the line named. It beats while it fetches, so a lost worker or task costs 30 s, not 10 minutes.
const { loadPipelineDefinition } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['InvalidPipeline', 'PipelineNotFound'],
  },
});
// Bookkeeping in the store (the run's record, log notes, the concurrency group, workspace
// cleanup): local and idempotent, so retried until it lands.
const { enterConcurrencyGroup, recordPipelineRun, notePipelineLog, removePipelineWorkspace } =
  proxyActivities<PipelineActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
// A job's workspace (clone at the sha, cache restore) and what it keeps (cache save, reports,
// artifacts): minutes of I/O, retried a few times; a job whose workspace cannot be prepared fails.
// They heartbeat while they work, so a worker lost meanwhile is noticed in seconds, not minutes.
const { preparePipelineJob, finishPipelineJob } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

/** How long a step's process group gets between SIGTERM and SIGKILL, plus the last log flush. */
const STEP_KILL_ALLOWANCE_MS = 60_000;

/**
 * A step's command. A failing command is not retried: the activity returns `failed` rather
 * than throwing. Only a lost worker is retried: the heartbeat stops, and within seconds the
 * step runs again from its start on another worker (at most 3 times). Cancellation waits
 * until the activity has killed the step's process group, so a cancelled run ends only after
 * its processes are gone.
 */
function stepActivities(timeoutMs: number) {
  return proxyActivities<PipelineActivities>({
    startToCloseTimeout: timeoutMs + STEP_KILL_ALLOWANCE_MS,
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });
}

// GitHub (statuses, the PR comment): retried with backoff while GitHub is down, then given up
// with a note in the log; a refusal (bad token, unknown repository) is final at once. A run
// never fails because GitHub refused a status.
const github = proxyActivities<GithubActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['GitHubRefused', 'InvalidInput'],
  },
});

/** The log "job" of arxflow's notes about the run as a whole (not about one job). */
const RUN_LOG = 'run';

/**
 * Runs begun before it wrote no audit events: they replay without (test/histories/
 * pipelineRun-before-status-audit.json); runs begun after write each status change.
 */
export const PIPELINE_STATUS_AUDIT_PATCH = 'pipeline-status-audit';

/**
 * One pipeline run (id `pipeline/<repoKey>/<sha>/<attempt>`): load `.arxflow/pipeline.yml` at
 * the sha, cancel older runs of its concurrency group, run the jobs as their `needs` allow (each
 * job a coroutine: workspace, steps, kept files), then the quality gate as a child workflow.
 * Cancelling the workflow (CLI, API, Web UI, a newer push) kills the running steps' processes
 * and ends the run `cancelled`; the run returns its view in every case.
 */
export async function pipelineRun(input: PipelineRunInput): Promise<PipelineRunView> {
  const runId = workflowInfo().workflowId;
  const { trigger } = input;
  const state = new PipelineRunState({ runId, input, createdAt: nowIso() });
  const record = new StatePublisher(() => recordPipelineRun(state.view()));
  const statuses = new CommitStatuses(state, trigger, github.reportCommitStatus, note, RUN_LOG, input.link);
  const audit = patched(PIPELINE_STATUS_AUDIT_PATCH) ? statusAudit(runId, trigger.actor) : undefined;
  const changed = () => (record.changed(), statuses.changed(), audit?.changed(state.view()));
  const running = new Map<string, Promise<void>>();
  const kept: KeptFiles[] = [];
  let supersededBy: string | undefined;

  setHandler(pipelineStatusQuery, () => state.view());
  setHandler(pipelinePullRequestSignal, ({ pullRequest, base }) => {
    if (trigger.pullRequest) return;
    trigger.pullRequest = pullRequest;
    trigger.base = base;
    changed();
  });
  setHandler(pipelineSupersededSignal, ({ by }) => {
    supersededBy = by;
  });
  upsertSearchAttributes([{ key: Service, value: trigger.repoKey }]);
  changed(); // queued: listed at once

  try {
    const definition = await loadDefinition();
    if (definition) {
      state.defined(definition);
      statuses.defined();
      changed();
      await Promise.all(state.reusedJobs.map((jobId) => note(jobId, `reused from ${input.rerun?.of}: not run again`)));
      await supersedeOlderRuns(definition);
      await runJobs(definition);
      await judge(definition);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => cancelled());
  }
  state.ended(nowIso());
  changed();
  await CancellationScope.nonCancellable(() => Promise.all([statuses.close(), record.close(), audit?.close()]));
  return state.view();

  /** The definition at the sha, or undefined when it was refused (the run has failed with why). */
  async function loadDefinition(): Promise<PipelineDefinition | undefined> {
    try {
      return await loadPipelineDefinition({ repo: trigger.repo, sha: trigger.sha, path: input.definitionPath });
    } catch (err) {
      const refusal = failureOfType(err, ['InvalidPipeline', 'PipelineNotFound']);
      if (refusal === undefined) throw err;
      state.refused(refusal, nowIso());
      statuses.refused(refusal);
      changed();
      return undefined;
    }
  }

  /** cancel-in-progress: older runs of the group still running are told why, then cancelled. */
  async function supersedeOlderRuns(definition: PipelineDefinition): Promise<void> {
    const group = concurrencyGroupOf(definition, trigger);
    if (group === undefined) return;
    const cancelInProgress = definition.concurrency?.cancelInProgress ?? false;
    const { supersede } = await enterConcurrencyGroup({ group, runId, cancelInProgress });
    await Promise.all(
      supersede.map(async (olderRunId) => {
        const older = getExternalWorkflowHandle(olderRunId);
        // Either may find the older run already closed: then there is nothing to cancel.
        await older.signal(pipelineSupersededSignal, { by: runId }).catch(() => undefined);
        await older.cancel().catch(() => undefined);
        await note(RUN_LOG, `cancelled ${olderRunId}, an older run of concurrency group '${group}'`);
      }),
    );
  }

  /**
   * Starts every job the DAG allows (up to maxParallel), and more as they end, until none is
   * left. A cancelled run stops starting jobs at once; the jobs running then end themselves.
   */
  async function runJobs(definition: PipelineDefinition): Promise<void> {
    const scope = CancellationScope.current();
    for (;;) {
      for (const job of state.readyJobs()) {
        state.jobStarted(job.id, nowIso());
        running.set(
          job.id,
          runJob(job, keptFilesOf(definition, job)).finally(() => running.delete(job.id)),
        );
      }
      changed();
      if (running.size === 0) return;
      await Promise.race([...running.values(), scope.cancelRequested]);
    }
  }

  /** One job: workspace, steps in order (a failed step skips the rest), kept files, cleanup. */
  async function runJob(job: JobDefinition, artifacts: string[]): Promise<void> {
    const startedAt = now();
    try {
      const prepared = await preparePipelineJob({ runId, jobId: job.id, trigger, cache: job.cache });
      const outcome = await runSteps(job, prepared.workspace, startedAt);
      const finished = await finishPipelineJob({
        runId,
        jobId: job.id,
        workspace: prepared.workspace,
        succeeded: outcome.status === 'succeeded',
        cache: job.cache && prepared.cache ? { ...prepared.cache, paths: job.cache.paths } : undefined,
        artifacts,
        reports: job.reports,
      });
      kept.push({ ...finished.reports, artifacts: finished.artifacts });
      state.jobFinished(job.id, outcome.status, nowIso(), outcome.reason);
    } catch (err) {
      if (isCancellation(err)) {
        state.jobFinished(job.id, 'cancelled', nowIso(), cancelReason());
        throw err;
      }
      state.jobFinished(job.id, 'failed', nowIso(), failureMessage(err));
    } finally {
      changed();
      await CancellationScope.nonCancellable(() => removePipelineWorkspace({ runId, jobId: job.id }));
    }
  }

  async function runSteps(job: JobDefinition, workspace: string, startedAt: number): Promise<JobOutcome> {
    for (const [index, step] of job.steps.entries()) {
      const remainingMs = job.timeoutMs - (now() - startedAt);
      const jobTimeout = `timed out: the job's ${humanDuration(job.timeoutMs)} ran out`;
      if (remainingMs <= 0) return { status: 'failed', reason: `${jobTimeout} before step '${step.name}'` };
      const stepLimited = step.timeoutMs !== undefined && step.timeoutMs <= remainingMs;
      const timeoutMs = stepLimited ? step.timeoutMs! : remainingMs;
      state.stepStarted(job.id, index);
      changed();
      let outcome;
      try {
        outcome = await stepActivities(timeoutMs).runPipelineStep({
          runId,
          jobId: job.id,
          stepIndex: index,
          step,
          jobEnv: job.env,
          trigger,
          workspace,
          timeoutMs,
        });
      } catch (err) {
        if (isCancellation(err)) throw err; // jobFinished marks the running step cancelled
        state.stepFinished(job.id, index, { status: 'failed' });
        return { status: 'failed', reason: `step '${step.name}': ${failureMessage(err)}` };
      }
      state.stepFinished(job.id, index, outcome);
      changed();
      if (outcome.status === 'timed-out')
        return {
          status: 'failed',
          reason: stepLimited
            ? `timed out: step '${step.name}' ran past its ${humanDuration(timeoutMs)}`
            : `${jobTimeout} during step '${step.name}'`,
        };
      if (outcome.status === 'failed')
        return { status: 'failed', reason: `step '${step.name}' failed (exit code ${outcome.exitCode ?? 'none'})` };
    }
    return { status: 'succeeded' };
  }

  /**
   * The quality gate, when the definition has a `quality` section and jobs kept reports (of
   * failed jobs too: their test results are what the gate reports, and what flaky detection
   * compares across attempts). A child workflow, so it shows on its own in the Web UI and can
   * be queried; it ends with the run (terminated if the run is closed first).
   */
  async function judge(definition: PipelineDefinition): Promise<void> {
    const quality = definition.quality;
    const reports = mergeReports(kept);
    if (!quality || reports.coverage.length + reports.junit.length + reports.bench.length === 0) return;
    statuses.quality('pending', 'evaluating');
    changed();
    const gateInput: QualityGateInput = {
      runId,
      repo: trigger.repo,
      repoKey: trigger.repoKey,
      service: trigger.repoKey,
      branch: trigger.branch ?? trigger.ref,
      sha: trigger.sha,
      attempt: input.attempt,
      ...(trigger.base ? { base: trigger.base } : {}),
      reports,
      ...('thresholds' in quality ? { thresholds: quality.thresholds } : {}),
      ...('file' in quality ? thresholdsFileOf(quality.file) : {}),
      owners: definition.owners,
      ...(input.link ? { link: input.link } : {}),
    };
    let verdict: QualityGateResult;
    try {
      // A thresholds file no job kept would leave the gate nothing to hold the reports to: never a pass.
      if ('file' in quality && !gateInput.thresholdsFile)
        throw new Error(`the thresholds file ${quality.file} was not found in the workspace of any job with reports`);
      verdict = await executeChild(qualityGate, {
        workflowId: qualityGateId(trigger.repoKey, trigger.sha, input.attempt),
        args: [gateInput],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The gate could not judge (it failed, or one of the same id is still running): never a pass.
      verdict = { verdict: 'fail', checks: [failedCheck('gate', failureMessage(err))] };
    }
    state.setQuality(verdict);
    statuses.quality(verdict.verdict === 'pass' ? 'success' : 'failure', verdictSummary(verdict));
    changed();
    if (trigger.githubRepo && trigger.pullRequest) {
      await github
        .upsertPullRequestComment({
          githubRepo: trigger.githubRepo,
          pullRequest: trigger.pullRequest.number,
          key: 'quality',
          body: qualityVerdictMarkdown(verdict, input.link ? { link: input.link } : {}),
        })
        .catch((err: unknown) => note(RUN_LOG, `the pull request comment was not written: ${failureMessage(err)}`));
    }
  }

  /** `quality: { file }`: the thresholds file as a reporting job kept it (see keptFilesOf). */
  function thresholdsFileOf(file: string): Pick<QualityGateInput, 'thresholdsFile'> {
    const stored = kept.flatMap((files) => files.artifacts).find((candidate) => candidate.path === file);
    return stored ? { thresholdsFile: stored } : {};
  }

  /** Running jobs have ended (their processes killed); what was queued is cancelled, and the log says why. */
  async function cancelled(): Promise<void> {
    await Promise.allSettled(running.values());
    state.cancel(cancelReason(), nowIso());
    changed();
    const interrupted = state
      .view()
      .jobs.filter((job) => job.status === 'cancelled' && job.startedAt !== undefined)
      .map((job) => job.id);
    await Promise.all([...interrupted, RUN_LOG].map((jobId) => note(jobId, cancelReason())));
  }

  function cancelReason(): string {
    return supersededBy ? `cancelled by a newer run of its concurrency group: ${supersededBy}` : 'cancelled';
  }

  function note(jobId: string, text: string): Promise<void> {
    return CancellationScope.nonCancellable(() => notePipelineLog({ runId, jobId, text }));
  }
}

/**
 * The run's status changes in the audit chain, so the live stream (`arxflow watch pipelines`)
 * carries them: the changes between successive views, written in order by one publisher (at
 * most one write in flight; changes made meanwhile go in the next), outside the run's
 * cancellation, so a cancelled run still says how it ended. Subject: the run id.
 */
function statusAudit(runId: string, actor: string) {
  const changes = new PipelineStatusChanges();
  const trail = new AuditTrail<never>({ subject: runId, timeline: () => [], toEvent: () => ({ actor, action: '' }) });
  const publisher = new StatePublisher(() => trail.flush());
  return {
    changed(view: PipelineRunView): void {
      const events = changes.next(view);
      for (const event of events) trail.note(actor, event.action, event.data);
      if (events.length > 0) publisher.changed();
    },
    close: () => publisher.close(),
  };
}

type JobOutcome = { status: 'succeeded' | 'failed'; reason?: string };
/** What a job kept: its reports and artifacts. */
type KeptFiles = QualityGateInput['reports'] & { artifacts: StoredFile[] };

/**
 * The artifacts a job keeps. A job with reports also keeps the gate's thresholds file when the
 * definition names one (`quality: { file }`): the gate then judges with the thresholds of the
 * commit it judges, read from the workspace like the reports are.
 */
function keptFilesOf(definition: PipelineDefinition, job: JobDefinition): string[] {
  const { coverage, junit, bench } = job.reports;
  const quality = definition.quality;
  if (!quality || !('file' in quality) || coverage.length + junit.length + bench.length === 0) return job.artifacts;
  return job.artifacts.includes(quality.file) ? job.artifacts : [...job.artifacts, quality.file];
}

function mergeReports(all: KeptFiles[]): QualityGateInput['reports'] {
  return {
    coverage: all.flatMap((reports) => reports.coverage),
    junit: all.flatMap((reports) => reports.junit),
    bench: all.flatMap((reports) => reports.bench),
  };
}

function failedCheck(name: string, detail: string) {
  return { name, passed: false, actual: null, required: 0, detail };
}

/** The commit status line of a verdict (GitHub keeps 140 characters). */
function verdictSummary(verdict: QualityGateResult): string {
  const failed = verdict.checks.filter((check) => !check.passed);
  if (failed.length === 0) return `passed: ${verdict.checks.length} checks`;
  return `failed: ${failed.map((check) => `${check.name} ${check.actual ?? '-'} (required ${check.required})`).join(', ')}`;
}

/** Why an activity or child failed, in words (the ApplicationFailure's message when there is one). */
function failureMessage(err: unknown): string {
  let cause: unknown = err;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause)
    cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The message of an activity's ApplicationFailure of one of these types; undefined for any other failure. */
function failureOfType(err: unknown, types: string[]): string | undefined {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)) return undefined;
  return types.includes(err.cause.type ?? '') ? err.cause.message : undefined;
}

function humanDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${Math.round(ms / 100) / 10} s`;
}
