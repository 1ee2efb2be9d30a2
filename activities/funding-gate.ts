import { Context } from '@temporalio/activity';
import type { Store } from '../db/store';
import { createNotificationActivities, type NotificationDeps } from './notifications/deliver';

export interface GateEventRecord {
  /** Increases with every transition of one gate run: part of the idempotency key. */
  sequence: number;
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

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
      const { workflowId, runId } = run();
      await store.idempotency.runOnce(`${workflowId}/${runId}/audit/${event.sequence}`, (tx) =>
        store.audit.append({ actor: event.actor, action: event.action, subject: event.subject, workflowId, data: event.data }, tx),
      );
    },

    /** Writes the notification to the outbox once per step; the delivering channel reads the outbox. */
    async notify(notification: Notification): Promise<void> {
      const { workflowId, runId } = run();
      await store.db.query(
        `INSERT INTO notification_outbox (key, channel, recipients, subject, body, workflow_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
        [`${workflowId}/${runId}/${notification.step}`, notification.channel, JSON.stringify(notification.recipients),
          notification.subject, notification.body, workflowId],
      );
      Context.current().log.info('notification queued', { step: notification.step, recipients: notification.recipients });
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
        await store.db.query('UPDATE notification_outbox SET sent_at = now() WHERE key = $1 AND sent_at IS NULL', [`${workflowId}/${runId}/${notification.step}`]);
      }
    },
  };
}

export type FundingGateActivities = ReturnType<typeof createFundingGateActivities>;
