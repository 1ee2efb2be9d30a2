import { ApplicationFailure, Context } from '@temporalio/activity';
import { queueNotification } from '../db/notification-outbox';
import type { Store } from '../db/store';
import { TaskTriggers } from '../db/task-triggers';
import { signGithub } from '../platform/webhook-signatures';
import type { JsonValue } from '../domain/webhook-config';
import {
  planTaskEvent,
  taskEventSchema,
  type ActionOutcome,
  type PlannedAction,
  type TaskEventInput,
} from '../domain/task-triggers';
import { TRIGGER_RULE_REFUSED, triggerActionRefusal } from '../domain/trigger-rules';
import { parseActivityInput } from './activity-input';
import { heartbeating } from './heartbeat';

export interface TriggerWebhookDelivery {
  /** Stable per event and action (`task-event/<project>/<event>/<trigger>/<action>`): the receiver's delivery id. */
  key: string;
  url: string;
  body: JsonValue;
  /**
   * Where the signing secret is read from: the stored trigger's action. Secrets stay out of
   * workflow histories; `secret` may be passed directly by callers outside a workflow.
   */
  triggerId?: string;
  actionIndex?: number;
  secret?: string;
}

export interface TriggerWebhookResult {
  status: number;
  attempt: number;
}

/** Details of a failed delivery attempt, on the ApplicationFailure the workflow finally catches. */
export interface WebhookAttemptDetails {
  attempt: number;
  status?: number;
}

export interface TriggerNotification {
  key: string;
  channel: 'email' | 'slack' | 'log';
  recipients: string[];
  subject: string;
  body: string;
}

export interface TriggerDeadLetterInput {
  key: string;
  /** The first dead letter of this action, when this one comes from its replay. */
  originKey?: string;
  triggerId: string;
  action: unknown;
  error: string;
  attempts: number;
}

export interface TriggerReplayStart {
  deadLetterKey: string;
  attempt: number;
}

/** What a replay re-runs: the recorded action and the key its effects keep. */
export interface TriggerReplayPlan {
  action: PlannedAction;
  originKey: string;
}

export interface TriggerReplayDone {
  deadLetterKey: string;
  outcome: ActionOutcome;
  newDeadLetterKey?: string;
}

const PLANNED_TYPES: readonly string[] = ['signal_gate', 'start_workflow', 'notify', 'webhook', 'unresolved'];

export const DELIVERY_TIMEOUT_MS = 10_000;
/** Statuses a retry can fix; any other 4xx is the receiver refusing this request for good. */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

/** Side effects of task triggers: loading and planning, webhook delivery, notifications, dead letters. */
export function createTaskTriggerActivities({ store, fetchImpl = fetch }: { store: Store; fetchImpl?: typeof fetch }) {
  const triggers = new TaskTriggers(store.db);

  async function secretFor(delivery: TriggerWebhookDelivery): Promise<string> {
    if (delivery.secret !== undefined) return delivery.secret;
    if (delivery.triggerId === undefined || delivery.actionIndex === undefined) {
      throw ApplicationFailure.nonRetryable(
        'a webhook delivery needs its secret or its trigger id and action index',
        'InvalidInput',
      );
    }
    const trigger = await triggers.get(delivery.triggerId);
    const action = trigger?.actions[delivery.actionIndex];
    if (!action || action.type !== 'webhook' || action.url !== delivery.url) {
      throw ApplicationFailure.nonRetryable(
        `trigger ${delivery.triggerId} no longer has this webhook action`,
        'TriggerChanged',
        { attempt: attempt() },
      );
    }
    return action.secret;
  }

  const attempt = () => Context.current().info.attempt;
  /** A replay is recorded under the workflow doing it. */
  const callingWorkflowId = () => {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId)
      throw ApplicationFailure.nonRetryable(
        'a dead letter is replayed by a replayTriggerAction workflow',
        'InvalidInput',
      );
    return workflowId;
  };

  return {
    /** The actions of every stored trigger this event matches, templates resolved (no secrets). */
    async findTriggeredActions(input: TaskEventInput): Promise<PlannedAction[]> {
      const event = parseActivityInput(taskEventSchema, input, 'task event');
      return planTaskEvent(await triggers.forTask(event.projectId, event.taskId, event.type), event);
    },

    /**
     * POSTs the JSON body signed like a GitHub webhook (`X-Hub-Signature-256`), with the key
     * as `X-Arxflow-Delivery` so the receiver can drop a repeat. A non-2xx answer throws
     * (retryable unless it is a 4xx a retry cannot fix), so Temporal retries with backoff.
     */
    async deliverTriggerWebhook(delivery: TriggerWebhookDelivery): Promise<TriggerWebhookResult> {
      const secret = await secretFor(delivery);
      const body = JSON.stringify(delivery.body);
      const signal = AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), Context.current().cancellationSignal]);
      let response: Response;
      try {
        // Heartbeats while the receiver takes its time: a dead worker is noticed in seconds.
        response = await heartbeating(() =>
          fetchImpl(delivery.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'user-agent': 'arxflow-task-triggers',
              'x-hub-signature-256': signGithub(body, secret),
              'x-arxflow-delivery': delivery.key,
            },
            body,
            signal,
          }),
        );
      } catch (err) {
        const details: WebhookAttemptDetails = { attempt: attempt() };
        throw ApplicationFailure.retryable(
          `POST ${delivery.url} failed: ${(err as Error).message}`,
          'WebhookUnreachable',
          details,
        );
      }
      await response.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
      if (response.ok) return { status: response.status, attempt: attempt() };
      const details: WebhookAttemptDetails = { attempt: attempt(), status: response.status };
      const message = `POST ${delivery.url} answered ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(message, 'WebhookRejected', details);
      }
      throw ApplicationFailure.retryable(message, 'WebhookFailed', details);
    },

    /** One dead letter per key, however often it is recorded. */
    async recordTriggerDeadLetter(input: TriggerDeadLetterInput): Promise<void> {
      const written = await triggers.recordDeadLetter(input);
      if (written)
        Context.current().log.warn('trigger action dead-lettered', {
          key: input.key,
          triggerId: input.triggerId,
          error: input.error,
        });
    },

    /**
     * The dead letter a replay re-runs, noted as being replayed by the calling workflow.
     * Refused for good (non-retryable) when it does not exist or was replayed already.
     */
    async beginTriggerReplay({ deadLetterKey, attempt }: TriggerReplayStart): Promise<TriggerReplayPlan> {
      const workflowId = callingWorkflowId();
      const letter = await triggers.deadLetter(deadLetterKey);
      if (!letter) throw ApplicationFailure.nonRetryable(`no dead letter ${deadLetterKey}`, 'DeadLetterNotFound');
      if (letter.replayedAt !== null) {
        throw ApplicationFailure.nonRetryable(
          `dead letter ${deadLetterKey} was replayed by ${letter.replayWorkflowId}`,
          'AlreadyReplayed',
        );
      }
      const action = letter.action as PlannedAction | null;
      if (!action || !PLANNED_TYPES.includes(action.type)) {
        throw ApplicationFailure.nonRetryable(
          `dead letter ${deadLetterKey} holds no action arxflow can run`,
          'InvalidInput',
        );
      }
      // A dead letter recorded before the trigger rules existed is refused, not replayed as stored.
      const refusal = triggerActionRefusal(action);
      if (refusal)
        throw ApplicationFailure.nonRetryable(`dead letter ${deadLetterKey}: ${refusal}`, TRIGGER_RULE_REFUSED);
      await triggers.recordReplayStart(deadLetterKey, workflowId, attempt);
      return { action, originKey: letter.originKey };
    },

    /** Marks the dead letter replayed by the calling workflow (once, however often retried). */
    async finishTriggerReplay(done: TriggerReplayDone): Promise<void> {
      const replayWorkflowId = callingWorkflowId();
      const marked = await triggers.recordReplayDone({
        key: done.deadLetterKey,
        replayWorkflowId,
        outcome: done.outcome,
        newDeadLetterKey: done.newDeadLetterKey,
      });
      if (!marked)
        Context.current().log.warn('dead letter was marked replayed by another workflow', { key: done.deadLetterKey });
    },

    /** Writes the notification to the outbox once per key (the table funding gates use); the channel reads the outbox. */
    async queueTriggerNotification(notification: TriggerNotification): Promise<void> {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? null;
      await queueNotification(store.db, { ...notification, workflowId });
      Context.current().log.info('notification queued', { key: notification.key, recipients: notification.recipients });
    },
  };
}

export type TaskTriggerActivities = ReturnType<typeof createTaskTriggerActivities>;
