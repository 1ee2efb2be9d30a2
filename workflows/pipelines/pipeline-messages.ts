import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PipelineRunView, PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import type { QualityGateResult } from '../../activities/quality/quality-gate-input';

// Messages of the pipelines area, in a file of their own so clients (CLI, API) import them
// without the workflow code. Cancelling a run needs no message: it is Temporal's workflow
// cancellation (`pipeline cancel`, the API, the Web UI's Cancel button), which also reaches the
// running step activities and through them the step's process group.

/** The run as `pipeline status --json` shows it: jobs, steps, the gate's verdict. */
export const pipelineStatusQuery = defineQuery<PipelineRunView>('pipelineStatus');

/**
 * A newer run of the same concurrency group (cancel-in-progress) is about to cancel this one:
 * sent just before the cancellation, so the run's error and log say why it was cancelled.
 * A Signal, not an Update: the sender does not wait on the older run (it may be closing).
 */
export const pipelineSupersededSignal = defineSignal<[{ by: string }]>('pipelineSuperseded');

/**
 * The pull request a run's sha belongs to, when the run was started by the push before GitHub's
 * `pull_request` event for the same sha arrived (both come for a push to a PR's branch): the
 * run then comments on that pull request and measures patch coverage against its base. The
 * first pull request wins; a Signal, as the webhook does not wait on the run.
 */
export const pipelinePullRequestSignal =
  defineSignal<[Required<Pick<PipelineTrigger, 'pullRequest' | 'base'>>]>('pipelinePullRequest');

export type QualityGateStatus = 'evaluating' | 'passed' | 'failed';

/** What `qualityGateStatusQuery` returns: the gate's progress and, once evaluated, its verdict. */
export interface QualityGateView {
  gateId: string;
  runId: string;
  service: string;
  branch: string;
  sha: string;
  attempt: number;
  status: QualityGateStatus;
  verdict?: QualityGateResult;
}

export const qualityGateStatusQuery = defineQuery<QualityGateView>('qualityGateStatus');
