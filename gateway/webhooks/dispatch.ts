import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { WebhookCommand } from '../../domain/webhook-config';

export interface DispatchOptions {
  /** Where started workflows run unless the rule names a task queue. */
  taskQueue: string;
  /** Doubles as the update id: Temporal then runs a redelivered update once per workflow. */
  deliveryId: string;
}

/** Sends one resolved webhook command to Temporal; resolves once Temporal accepted it. */
export async function dispatchWebhookCommand(
  temporal: Client,
  command: WebhookCommand,
  options: DispatchOptions,
): Promise<void> {
  switch (command.action) {
    case 'start':
      // A webhook-started workflow is keyed by its business id (the build, the issue): once
      // that id has run, closed or not, the same event arriving again under a new delivery id
      // is a duplicate, refused with 409, never a second run.
      await temporal.workflow.start(command.workflowType, {
        workflowId: command.workflowId,
        taskQueue: command.taskQueue ?? options.taskQueue,
        args: command.args,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return;
    case 'signal':
      await temporal.workflow.getHandle(command.workflowId).signal(command.signal, ...command.args);
      return;
    case 'signalWithStart':
      await temporal.workflow.signalWithStart(command.workflowType, {
        workflowId: command.workflowId,
        taskQueue: command.taskQueue ?? options.taskQueue,
        args: command.args,
        signal: command.signal,
        signalArgs: command.signalArgs,
      });
      return;
    case 'update': {
      // executeUpdate, not startUpdate: a validator's refusal only shows in the outcome, and
      // the sender must learn it (422) rather than get a 202 for an update that never ran.
      const handle = temporal.workflow.getHandle(command.workflowId);
      const [payload] = command.args;
      if (payload === undefined) await handle.executeUpdate(command.update, { updateId: options.deliveryId });
      else await handle.executeUpdate(command.update, { args: [payload], updateId: options.deliveryId });
      return;
    }
  }
}

export interface TemporalRefusal {
  statusCode: 404 | 409 | 422 | 503;
  error: 'not_found' | 'already_started' | 'rejected' | 'unavailable';
  message: string;
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Temporal's answers a sender can act on; undefined for faults of ours (500). */
export function temporalRefusal(err: unknown, command: WebhookCommand): TemporalRefusal | undefined {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      statusCode: 409,
      error: 'already_started',
      message: `workflow ${command.workflowId} was already started (it runs once per id)`,
    };
  }
  if (err instanceof WorkflowNotFoundError) {
    return {
      statusCode: 404,
      error: 'not_found',
      message: `workflow ${command.workflowId} not found or already closed`,
    };
  }
  if (err instanceof WorkflowUpdateFailedError) {
    return { statusCode: 422, error: 'rejected', message: err.cause?.message ?? err.message };
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return { statusCode: 503, error: 'unavailable', message: 'Temporal did not answer the update in time' };
  }
  // The client wraps transport failures in ServiceError with the gRPC error as cause.
  const grpc = [err, (err as { cause?: unknown } | undefined)?.cause].find(isGrpcServiceError);
  if (grpc?.code === GRPC_NOT_FOUND) {
    return {
      statusCode: 404,
      error: 'not_found',
      message: `workflow ${command.workflowId} not found or already closed`,
    };
  }
  if (grpc?.code === GRPC_INVALID_ARGUMENT) {
    // The event filled the rule in with something Temporal will not take (an empty workflow id, say).
    return {
      statusCode: 422,
      error: 'rejected',
      message: `Temporal refused the request: ${grpc.details || grpc.message}`,
    };
  }
  if (grpc?.code === GRPC_UNAVAILABLE || grpc?.code === GRPC_DEADLINE_EXCEEDED) {
    return {
      statusCode: 503,
      error: 'unavailable',
      message: `Temporal is unreachable: ${grpc.details || grpc.message}`,
    };
  }
  return undefined;
}
