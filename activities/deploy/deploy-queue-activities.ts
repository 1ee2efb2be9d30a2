import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { deployQueueWorkflowId } from '../../domain/deploy/deploy-types';
import type { DeployQueueInput } from '../../domain/deploy/deployment-queue';

/**
 * The queue workflow's type and its join Signal's name. Activities may not import
 * workflows/, so they are spelled here; workflows/deploy/deploy-messages.ts is the truth.
 */
const DEPLOY_QUEUE_WORKFLOW_TYPE = 'deployQueue';
const DEPLOY_ENQUEUE_SIGNAL = 'deployEnqueue';

export interface JoinDeployQueueRequest {
  service: string;
  environment: string;
  workflowId: string;
}

/**
 * The deployment's side of its queue: joining is a signalWithStart of
 * `deploy-queue/<service>/<environment>` (started when none runs), through the worker's own
 * Temporal client. A retry joins again; the queue keeps the first place and tells it again.
 */
export function createDeployQueueActivities() {
  return {
    async joinDeployQueue(request: JoinDeployQueueRequest): Promise<void> {
      const context = Context.current();
      let client: typeof context.client;
      try {
        client = context.client;
      } catch {
        throw ApplicationFailure.nonRetryable('joinDeployQueue needs a worker with a Temporal client', 'NoClient');
      }
      const input: DeployQueueInput = { service: request.service, environment: request.environment };
      await client.workflow.signalWithStart(DEPLOY_QUEUE_WORKFLOW_TYPE, {
        workflowId: deployQueueWorkflowId(request.service, request.environment),
        taskQueue: context.info.taskQueue,
        args: [input],
        signal: DEPLOY_ENQUEUE_SIGNAL,
        signalArgs: [{ workflowId: request.workflowId }],
      });
    },
  };
}
