import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  taskEventSchema,
  type ActionReport,
  type PlannedAction,
  type TaskEventInput,
  type TaskEventReport,
} from '../domain/task-triggers';
import { TRIGGER_RULE_REFUSED, triggerActionRefusal } from '../domain/trigger-rules';
import type { TaskTriggerActivities, WebhookAttemptDetails } from '../activities/task-triggers';
import { parseWorkflowInput } from './kit/workflow-input';

export const WEBHOOK_MAX_ATTEMPTS = 5;

const { findTriggeredActions, queueTriggerNotification, recordTriggerDeadLetter } =
  proxyActivities<TaskTriggerActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['InvalidInput'] },
  });
// A receiver that is down gets a few spaced tries, then the delivery becomes a dead letter
// an operator can replay: an event must not wait on a partner's outage for hours. The call
// heartbeats, so a worker that dies during it is noticed in seconds, not at the 30 s limit.
const { deliverTriggerWebhook } = proxyActivities<TaskTriggerActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: WEBHOOK_MAX_ATTEMPTS, initialInterval: '2s', backoffCoefficient: 2 },
});

/**
 * One task tracker event, id `task-event/<projectId>/<eventId>` (started with
 * REJECT_DUPLICATE, so a redelivered event is the same workflow): the actions of every
 * trigger it matches, in order. An action that cannot be done is recorded as a dead letter
 * and the others still run; the result says what each action did.
 */
export async function taskEvent(input: TaskEventInput): Promise<TaskEventReport> {
  const event = parseWorkflowInput(taskEventSchema, input, 'taskEvent input');
  const { workflowId } = workflowInfo();
  const actions = await findTriggeredActions(event);
  const reports: ActionReport[] = [];
  for (const action of actions) reports.push(await runTriggerAction(action, `${workflowId}/${action.step}`));
  return { workflowId, eventId: event.eventId, matchedActions: actions.length, actions: reports };
}

/**
 * Runs one planned action; what cannot be done becomes the dead letter `key`. `originKey`
 * keys the effect (the webhook's delivery id, the outbox row): a replay passes the first
 * dead letter's key there, so a receiver sees the delivery it may already have.
 */
export async function runTriggerAction(action: PlannedAction, key: string, originKey = key): Promise<ActionReport> {
  const report = (outcome: ActionReport['outcome'], target?: string, detail?: string): ActionReport => ({
    step: action.step,
    type: action.type,
    outcome,
    ...(target === undefined ? {} : { target }),
    ...(detail === undefined ? {} : { detail }),
  });
  const deadLetter = async (error: string, attempts: number) => {
    await recordTriggerDeadLetter({ key, triggerId: action.triggerId, originKey, action, error, attempts });
  };
  // The trigger rules hold here, where the action runs, whatever planned it (a stored dead letter, an old trigger).
  const refusal = triggerActionRefusal(action);
  if (refusal) throw ApplicationFailure.nonRetryable(`${action.step}: ${refusal}`, TRIGGER_RULE_REFUSED);

  switch (action.type) {
    case 'signal_gate':
      try {
        await getExternalWorkflowHandle(action.workflowId).signal(action.signal, action.payload);
        return report('signalled', action.workflowId);
      } catch (err) {
        // Most often the gate is not open (yet, or any more): recorded, the event goes on.
        const message = errorMessage(err);
        log.warn('trigger could not signal its gate', { workflowId: action.workflowId, error: message });
        await deadLetter(`signal ${action.signal} to ${action.workflowId}: ${message}`, 1);
        return report('gate_not_found', action.workflowId, message);
      }

    case 'start_workflow':
      try {
        await startChild(action.workflowType, {
          workflowId: action.workflowId,
          args: action.args,
          // The started process outlives this short event workflow.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        return report('started', action.workflowId);
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return report('already_started', action.workflowId);
        const message = errorMessage(err);
        await deadLetter(`start ${action.workflowType} ${action.workflowId}: ${message}`, 1);
        return report('start_failed', action.workflowId, message);
      }

    case 'notify':
      await queueTriggerNotification({
        key: originKey,
        channel: action.channel,
        recipients: action.recipients,
        subject: action.subject,
        body: action.body,
      });
      return report('queued', action.channel);

    case 'webhook':
      try {
        const delivered = await deliverTriggerWebhook({
          key: originKey,
          url: action.url,
          body: action.body,
          triggerId: action.triggerId,
          actionIndex: action.actionIndex,
        });
        return report('delivered', action.url, `HTTP ${delivered.status} on attempt ${delivered.attempt}`);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const attempts = (cause?.details?.[0] as WebhookAttemptDetails | undefined)?.attempt ?? WEBHOOK_MAX_ATTEMPTS;
        const message = cause?.message ?? errorMessage(err);
        await deadLetter(message, attempts);
        return report('dead_lettered', action.url, message);
      }

    case 'unresolved':
      await deadLetter(action.error, 0);
      return report('unresolved', undefined, action.error);
  }
}

function errorMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const own = err instanceof Error ? err.message : String(err);
  return cause instanceof Error && cause.message && cause.message !== own ? `${own}: ${cause.message}` : own;
}
