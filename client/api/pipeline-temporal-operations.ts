import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { PipelineLogs } from '../../db/pipeline-logs';
import { PipelineRuns } from '../../db/pipeline-runs';
import type { SqlDatabase } from '../../db/sql';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import type { PipelineRunInput, PipelineRunView, PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { hasAnyRole } from '../../domain/roles';
import { pipelineStatusQuery } from '../../workflows/pipelines/pipeline-messages';
import { ApiError, notFound, rejected } from './errors';
import type { Caller } from './operations';
import {
  isFinal,
  PIPELINE_WRITE_ROLES,
  type PipelineListFilter,
  type PipelineLogChunk,
  type PipelineLogsFilter,
  type PipelineOperations,
  type PipelineRerunRequest,
  type PipelineStartRequest,
  type PipelineStarted,
} from './pipeline-operations';
import { planManualRun, startPipelineRun } from './pipeline-starts';
import { withinDeadline } from './temporal-deadline';
import { translate } from './temporal-errors';

/**
 * How long the live status may wait for a worker to answer the query before the run's last
 * record (written at each change of the run) answers instead: slow is not unreachable, but a
 * status page should not hang on a worker that is down.
 */
const LIVE_QUERY_MS = 5_000;

export interface TemporalPipelineDeps {
  /** Or how to connect when first needed (the CLI: bad input exits 2 without a connection). */
  client: Client | (() => Promise<Client>);
  taskQueue: string;
  /** The store the pipeline activities record runs and logs in. */
  db: SqlDatabase;
  /** Where a remote repository is mirrored for the start's definition check (the worker's data dir). */
  dataDir?: string;
  /** ARXFLOW_PUBLIC_URL: runs carry a link to themselves (commit statuses, the PR comment). */
  publicUrl?: string;
}

/**
 * PipelineOperations on Temporal and the store: what the gateway serves and what the CLI does
 * without a gateway. A running run answers from its workflow (the `pipelineStatus` query);
 * an ended one from its record in pipeline_runs, written by the run itself, which outlives
 * Temporal's retention.
 */
export class TemporalPipelineOperations implements PipelineOperations {
  private readonly runs: PipelineRuns;
  private readonly logsTable: PipelineLogs;

  constructor(private readonly deps: TemporalPipelineDeps) {
    this.runs = new PipelineRuns(deps.db);
    this.logsTable = new PipelineLogs(deps.db);
  }

  async start(request: PipelineStartRequest, caller: Caller): Promise<PipelineStarted> {
    requireWriter(caller, 'start a pipeline run');
    const input = await planManualRun(request, caller, { dataDir: this.deps.dataDir });
    return this.started(await startPipelineRun(await this.client(), this.deps.taskQueue, input, this.deps.publicUrl));
  }

  private async client(): Promise<Client> {
    const { client } = this.deps;
    return typeof client === 'function' ? client() : client;
  }

  async status(runId: string): Promise<PipelineRunView> {
    const running = await this.isRunning(runId);
    if (running) {
      const client = await this.client();
      try {
        return await translate(() =>
          withinDeadline(client, () => client.workflow.getHandle(runId).query(pipelineStatusQuery), LIVE_QUERY_MS),
        );
      } catch (err) {
        // No worker answered: all busy (the deadline passed), or none polling (Temporal then
        // refuses the query at once, FAILED_PRECONDITION "no poller seen"). The run's own last
        // record answers, when it has one.
        const recorded = await this.runs.get(runId);
        if (recorded && !(err instanceof ApiError && err.status === 404)) return recorded;
        throw err;
      }
    }
    const recorded = await this.runs.get(runId);
    if (recorded) return recorded;
    if (running === false) {
      // Closed but never recorded (it failed before its first record): the workflow can still answer.
      const client = await this.client();
      return translate(() => client.workflow.getHandle(runId).query(pipelineStatusQuery));
    }
    throw notFound(`no pipeline run ${runId}`);
  }

  async list(filter: PipelineListFilter): Promise<PipelineRunView[]> {
    return this.runs.list({
      ...(filter.repo ? { repoKey: repoKeyOf(filter.repo) } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      limit: filter.limit,
    });
  }

  async cancel(runId: string, caller: Caller) {
    requireWriter(caller, 'cancel a pipeline run');
    const running = await this.isRunning(runId);
    if (running === undefined) throw notFound(`no pipeline run ${runId}`);
    if (!running) {
      const view = await this.status(runId);
      throw new ApiError(`pipeline run ${runId} has ended already (${view.status})`, 409, 'not_running');
    }
    const client = await this.client();
    await translate(() => withinDeadline(client, () => client.workflow.getHandle(runId).cancel()));
    return { runId, status: 'running' as const };
  }

  async rerun(runId: string, request: PipelineRerunRequest, caller: Caller): Promise<PipelineStarted> {
    requireWriter(caller, 'rerun a pipeline run');
    const previous = await this.status(runId);
    if (!isFinal(previous.status)) {
      throw new ApiError(
        `pipeline run ${runId} is still ${previous.status}: cancel it or wait for it to end`,
        409,
        'still_running',
      );
    }
    const onlyFailed = request.failed ?? false;
    const succeededJobs = previous.jobs.filter((job) => job.status === 'succeeded').map((job) => job.id);
    if (onlyFailed && previous.status === 'succeeded') {
      throw rejected(`pipeline run ${runId} succeeded: no failed jobs to rerun (rerun without --failed to run all)`);
    }
    const trigger = triggerOf(previous, caller);
    const latest = await this.runs.latestAttempt(trigger.repoKey, trigger.sha);
    const input: PipelineRunInput = {
      trigger,
      attempt: Math.max(latest, previous.attempt) + 1,
      ...(previous.definitionPath ? { definitionPath: previous.definitionPath } : {}),
      rerun: { of: runId, onlyFailed, succeededJobs: onlyFailed ? succeededJobs : [] },
    };
    return this.started(await startPipelineRun(await this.client(), this.deps.taskQueue, input, this.deps.publicUrl));
  }

  async logs(runId: string, filter: PipelineLogsFilter): Promise<PipelineLogChunk[]> {
    const chunks = await this.logsTable.read(runId, {
      ...(filter.job ? { jobId: filter.job } : {}),
      ...(filter.afterSeq !== undefined ? { afterSeq: filter.afterSeq } : {}),
    });
    // No chunk yet is normal for a queued run; for a run that does not exist it is a 404.
    if (chunks.length === 0 && filter.afterSeq === undefined && (await this.isRunning(runId)) === undefined) {
      if (!(await this.runs.get(runId))) throw notFound(`no pipeline run ${runId}`);
    }
    return chunks;
  }

  private async started(started: { runId: string; existing: boolean }): Promise<PipelineStarted> {
    if (!started.existing) return { ...started, status: 'queued' };
    return { ...started, status: (await this.status(started.runId)).status };
  }

  /** true running, false closed, undefined when Temporal has no such workflow (never started, or past retention). */
  private async isRunning(runId: string): Promise<boolean | undefined> {
    const client = await this.client();
    try {
      const { status } = await translate(() =>
        withinDeadline(client, () => client.workflow.getHandle(runId).describe()),
      );
      return status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err instanceof ApiError && err.status === 404)) return undefined;
      throw err;
    }
  }
}

function requireWriter(caller: Caller, action: string): void {
  if (!hasAnyRole(caller.roles, PIPELINE_WRITE_ROLES)) {
    throw new ApiError(`${action} needs role ${PIPELINE_WRITE_ROLES.join(' or ')}`, 403, 'forbidden');
  }
}

/**
 * The trigger a rerun starts from: the run's own when its view carries it; else rebuilt from
 * the view (a run recorded before views carried their trigger), the rerun's caller as actor.
 */
function triggerOf(view: PipelineRunView, caller: Caller): PipelineTrigger {
  if (view.trigger) return view.trigger;
  const branch = view.ref.startsWith('refs/heads/') ? view.ref.slice('refs/heads/'.length) : undefined;
  return {
    repo: view.repo,
    repoKey: view.repoKey,
    ref: view.ref,
    sha: view.sha,
    ...(branch ? { branch } : {}),
    event: view.event,
    actor: caller.subject,
  };
}
