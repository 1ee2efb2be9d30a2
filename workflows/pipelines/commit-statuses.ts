import type { CommitState, CommitStatusRequest } from '../../activities/github';
import type { PipelineRunState } from '../../domain/pipelines/pipeline-run-state';
import type { JobView, PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { StatePublisher } from './state-publisher';

/** `log`: the job log a failed send is noted in (the run's own log for the pipeline and quality statuses). */
type Status = { context: string; state: CommitState; description: string; log: string };

/** The context of the status that says the run itself could not start (its definition was refused). */
const PIPELINE_CONTEXT = 'arxflow/pipeline';
const QUALITY_CONTEXT = 'arxflow/quality';

/**
 * The run's commit statuses on GitHub (only for repositories on GitHub): one per job
 * (`arxflow/<job>`), pending from the start, then success, failure or error; one for the
 * quality gate. Sent when they change, through a StatePublisher: a burst of job changes is
 * one round of calls. A status GitHub refuses, or that could not be sent after the retries,
 * is noted in the run's log: it never fails the run.
 */
export class CommitStatuses {
  private readonly publisher: StatePublisher | undefined;
  /** What GitHub was last told, per context. */
  private readonly sent = new Map<string, string>();
  /** Jobs skipped by their `if` when the run was defined: never reported (they are not part of this run). */
  private readonly filtered = new Set<string>();
  private readonly extra = new Map<string, Status>();

  constructor(
    private readonly state: PipelineRunState,
    private readonly trigger: PipelineTrigger,
    private readonly report: (request: CommitStatusRequest) => Promise<unknown>,
    private readonly note: (jobId: string, text: string) => Promise<void>,
    private readonly runLog: string,
    /** The run's page, where each status links to. */
    private readonly link?: string,
  ) {
    if (trigger.githubRepo) this.publisher = new StatePublisher(() => this.sync());
  }

  /** After state.defined(): jobs skipped by their filter stay off GitHub. */
  defined(): void {
    for (const job of this.state.view().jobs) if (job.status === 'skipped') this.filtered.add(job.id);
  }

  /** The definition was refused: one status says why. */
  refused(error: string): void {
    this.extra.set(PIPELINE_CONTEXT, {
      context: PIPELINE_CONTEXT,
      state: 'error',
      description: error,
      log: this.runLog,
    });
  }

  quality(state: CommitState, description: string): void {
    this.extra.set(QUALITY_CONTEXT, { context: QUALITY_CONTEXT, state, description, log: this.runLog });
  }

  changed(): void {
    this.publisher?.changed();
  }

  close(): Promise<void> {
    return this.publisher?.close() ?? Promise.resolve();
  }

  private async sync(): Promise<void> {
    const githubRepo = this.trigger.githubRepo!;
    const wanted = [
      ...this.state
        .view()
        .jobs.filter((job) => !this.filtered.has(job.id))
        .map(jobStatus),
      ...this.extra.values(),
    ];
    const fresh = wanted.filter((status) => this.sent.get(status.context) !== `${status.state} ${status.description}`);
    for (const status of fresh) this.sent.set(status.context, `${status.state} ${status.description}`);
    await Promise.all(
      fresh.map(({ log, ...status }) =>
        this.report({
          githubRepo,
          sha: this.trigger.sha,
          ...status,
          ...(this.link ? { targetUrl: this.link } : {}),
        }).catch((err: unknown) =>
          this.note(log, `commit status ${status.context} (${status.state}) not sent: ${causeMessage(err)}`),
        ),
      ),
    );
  }
}

function jobStatus(job: JobView): Status {
  const of = (state: CommitState, description: string): Status => ({
    context: `arxflow/${job.id}`,
    state,
    description,
    log: job.id,
  });
  switch (job.status) {
    case 'queued':
    case 'running':
      return of('pending', job.status);
    case 'succeeded':
      return of('success', job.reason ?? 'succeeded');
    case 'failed':
      return of('failure', job.reason ?? 'failed');
    case 'cancelled':
      return of('error', job.reason ?? 'cancelled');
    case 'skipped':
      return of('error', `skipped: ${job.reason ?? 'not run'}`);
  }
}

/** An activity failure's own message (GitHub's status and words), not the wrapper's "Activity task failed". */
function causeMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
