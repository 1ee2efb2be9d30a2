import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  DeployAlertSignal,
  DeployDecisionRequest,
  DeploymentView,
  DeployReasonRequest,
  DeployActorRequest,
} from '../../domain/deploy/deploy-types';

// Messages of the deployment workflow and its queue, in a file of their own so clients (CLI,
// API, the alert intake) import them without the workflow code.
//
// Every operator message is an Update and a Signal of the same payload and name, as in the
// funding gate: the Update tells the caller at once whether it was accepted (a self-approval,
// a second vote, a non-reviewer, nothing to promote); the Signal is for the Web UI, which can
// only signal: the same rule applies (DeploymentState.refusalOfX), and a refused signal is
// recorded in `status.refused` instead of thrown.
export const approveUpdate = defineUpdate<DeploymentView, [DeployDecisionRequest]>('approve');
export const approveSignal = defineSignal<[DeployDecisionRequest]>('approve');
export const rejectUpdate = defineUpdate<DeploymentView, [DeployDecisionRequest]>('reject');
export const rejectSignal = defineSignal<[DeployDecisionRequest]>('reject');
export const promoteUpdate = defineUpdate<DeploymentView, [DeployActorRequest]>('promote');
export const promoteSignal = defineSignal<[DeployActorRequest]>('promote');
export const pauseUpdate = defineUpdate<DeploymentView, [DeployActorRequest]>('pause');
export const pauseSignal = defineSignal<[DeployActorRequest]>('pause');
export const resumeUpdate = defineUpdate<DeploymentView, [DeployActorRequest]>('resume');
export const resumeSignal = defineSignal<[DeployActorRequest]>('resume');
export const abortUpdate = defineUpdate<DeploymentView, [DeployReasonRequest]>('abort');
export const abortSignal = defineSignal<[DeployReasonRequest]>('abort');
export const rollbackUpdate = defineUpdate<DeploymentView, [DeployReasonRequest]>('rollback');
export const rollbackSignal = defineSignal<[DeployReasonRequest]>('rollback');
/** An admin starts a deployment outside its window (audited with the reason). */
export const overrideWindowUpdate = defineUpdate<DeploymentView, [DeployReasonRequest]>('overrideWindow');
export const overrideWindowSignal = defineSignal<[DeployReasonRequest]>('overrideWindow');

export const deploymentStatusQuery = defineQuery<DeploymentView>('deploymentStatus');

/**
 * A firing alert whose labels name the service and environment (`service`, `environment` or
 * `env`), sent by the alert intake to `deploy-queue/<service>/<environment>`, which forwards
 * it to the deployment it lets run; a deployment in its watch period rolls back. A Signal:
 * the intake does not wait on deployments.
 */
export const deployAlertSignal = defineSignal<[DeployAlertSignal]>('deployAlert');

// The queue (`deployQueue`, id deploy-queue/<service>/<environment>): one deployment at a
// time per service and environment, in the order they joined.
/** A deployment joins (sent by its joinDeployQueue activity, signalWithStart; a repeat is ignored). */
export const deployEnqueueSignal = defineSignal<[{ workflowId: string }]>('deployEnqueue');
/** A deployment ended (sent by the deployment itself, whatever the outcome): the next one's turn. */
export const deployDoneSignal = defineSignal<[{ workflowId: string }]>('deployDone');
/** The queue to a deployment: its place changed (0: its turn to run). */
export const deployTurnSignal = defineSignal<[{ position: number; ahead?: string }]>('deployTurn');

export interface DeployQueueView {
  service: string;
  environment: string;
  /** The deployment running now. */
  active?: string;
  /** Waiting, in order. */
  waiting: string[];
}
export const deployQueueStatusQuery = defineQuery<DeployQueueView>('deployQueueStatus');
