import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { selectPolicy, type EscalationConfig } from '../../domain/alerts/escalation-policy';
import type { AlertEvent } from '../../domain/alerts/types';
import type { AlertEscalationInput, SourceEventMessage } from '../../workflows/alerts/messages';
import { sourceEventSignal } from '../../workflows/alerts/messages';
import { unavailable } from './errors';

/** The workflow type every alert runs as (workflows/alerts/alert-escalation.ts). */
export const ALERT_WORKFLOW_TYPE = 'alertEscalation';

export interface RaisedAlert {
  dedupKey: string;
  workflowId: string;
  action: AlertEvent['action'];
  /** `ignored`: an acknowledge or resolve for an alert that is not open. */
  outcome: 'raised' | 'signalled' | 'ignored';
}

/**
 * Hands one source event to its alert workflow; resolves once Temporal has accepted it.
 *
 * A trigger is signalWithStart: the first one starts `alert/<dedupKey>` with the policy
 * chosen now (a config change never rewrites a running alert), later ones only reach it as
 * duplicates, and a trigger after the alert closed starts a new run (the id may be reused).
 * The same intakeId goes into the input and the signal, so the workflow counts the event
 * that started it once. Acknowledge and resolve never start anything: for an alert that
 * is not open there is nothing to do, and the source is told it was accepted (as PagerDuty
 * does), since retrying could never succeed.
 *
 * Throws ApiError 503 when Temporal is unreachable; the sender should retry.
 */
export async function raiseAlertEvent(
  client: Client,
  taskQueue: string,
  event: AlertEvent,
  escalation: EscalationConfig,
  options: { deadlineMs?: number } = {},
): Promise<RaisedAlert> {
  // Bounded: a sender waits for our answer, and the client would otherwise retry an
  // unreachable server for a long while before giving up.
  return client.withDeadline(Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS), () =>
    raise(client, taskQueue, event, escalation),
  );
}

export const DEFAULT_DEADLINE_MS = 10_000;

async function raise(
  client: Client,
  taskQueue: string,
  event: AlertEvent,
  escalation: EscalationConfig,
): Promise<RaisedAlert> {
  const workflowId = alertWorkflowId(event.dedupKey);
  const message: SourceEventMessage = { event, intakeId: randomUUID() };
  const raised = { dedupKey: event.dedupKey, workflowId, action: event.action };
  try {
    if (event.action === 'trigger') {
      const input: AlertEscalationInput = {
        event,
        intakeId: message.intakeId,
        policy: selectPolicy(escalation, event.labels, event.severity),
        policies: escalation.policies,
      };
      await client.workflow.signalWithStart(ALERT_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        signal: sourceEventSignal,
        signalArgs: [message],
      });
      return { ...raised, outcome: 'raised' };
    }
    await client.workflow.getHandle(workflowId).signal(sourceEventSignal, message);
    return { ...raised, outcome: 'signalled' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || grpcCode(err) === GRPC.NOT_FOUND)
      return { ...raised, outcome: 'ignored' };
    throw asUnavailable(err);
  }
}

const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** The client wraps transport failures in a ServiceError with the gRPC error as its cause. */
function grpcCode(err: unknown): number | undefined {
  return [err, (err as { cause?: unknown } | undefined)?.cause].find(isGrpcServiceError)?.code;
}

/** Unreachable or too slow: 503, so Alertmanager and PagerDuty clients retry. Anything else is a fault of ours. */
export function asUnavailable(err: unknown): unknown {
  const code = grpcCode(err);
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED) {
    return unavailable(`Temporal is unreachable: ${(err as Error).message}`);
  }
  return err;
}
