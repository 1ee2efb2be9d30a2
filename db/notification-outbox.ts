import type { SqlExecutor } from './sql';

export interface OutboxNotification {
  /** Once per key: a retried activity queues nothing twice. */
  key: string;
  channel: string;
  recipients: string[];
  subject: string;
  body: string;
  workflowId: string | null;
}

/** Notifications waiting for a channel (table notification_outbox). */
export async function queueNotification(db: SqlExecutor, n: OutboxNotification): Promise<void> {
  await db.query(
    `INSERT INTO notification_outbox (key, channel, recipients, subject, body, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
    [n.key, n.channel, JSON.stringify(n.recipients), n.subject, n.body, n.workflowId],
  );
}

/** A queued notification that went out to every recipient. */
export async function markNotificationSent(db: SqlExecutor, key: string): Promise<void> {
  await db.query('UPDATE notification_outbox SET sent_at = now() WHERE key = $1 AND sent_at IS NULL', [key]);
}
