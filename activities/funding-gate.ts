import { Context } from '@temporalio/activity';
import { markNotificationSent, queueNotification } from '../db/notification-outbox';
import type { Store } from '../db/store';
import { appendWorkflowEvent, type WorkflowEventRecord } from './audit';
import { createNotificationActivities, type NotificationDeps } from './notifications/deliver';

/** One gate transition for the audit chain (the sequence numbers one gate run's transitions). */
export type GateEventRecord = WorkflowEventRecord;

export interface Notification {
  /** Unique per gate step (e.g. reminder-3), so a retry does not notify twice. */
  step: string;
  channel: 'email' | 'slack' | 'log';
  recipients: string[];
  subject: string;
  body: string;
}

const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Side effects of a funding gate other than money: its audit trail and its notifications. */
export function createFundingGateActivities({ store, email }: { store: Store; email?: NotificationDeps['email'] }) {
  const { deliverNotification } = createNotificationActivities({ store, email });
  const run = () => {
    const { workflowExecution } = Context.current().info;
    return { workflowId: workflowExecution?.workflowId ?? 'unknown', runId: workflowExecution?.runId ?? 'unknown' };
  };
  return {
    /** One audit event per gate transition, exactly once (actor, before/after in `data`). */
    async recordGateEvent(event: GateEventRecord): Promise<void> {
      await appendWorkflowEvent(store, event);
    },

    /** Writes the notification to the outbox once per step; the delivering channel reads the outbox. */
    async notify(notification: Notification): Promise<void> {
      const { workflowId, runId } = run();
      const key = `${workflowId}/${runId}/${notification.step}`;
      await queueNotification(store.db, {
        key,
        channel: notification.channel,
        recipients: notification.recipients,
        subject: notification.subject,
        body: notification.body,
        workflowId,
      });
      Context.current().log.info('notification queued', {
        step: notification.step,
        recipients: notification.recipients,
      });
      // With SMTP configured, emails to addresses go out now (once per recipient and step);
      // other recipients (roles, user ids) stay in the outbox for the channel that knows them.
      if (notification.channel !== 'email' || !email) return;
      const addresses = notification.recipients.filter((recipient) => EMAIL_ADDRESS.test(recipient));
      for (const to of addresses) {
        await deliverNotification({
          key: `${workflowId}/${runId}/${notification.step}/${to}`,
          target: { kind: 'email', to },
          message: { title: notification.subject, text: notification.body },
        });
      }
      if (addresses.length === notification.recipients.length && addresses.length > 0) {
        await markNotificationSent(store.db, key);
      }
    },
  };
}

export type FundingGateActivities = ReturnType<typeof createFundingGateActivities>;
