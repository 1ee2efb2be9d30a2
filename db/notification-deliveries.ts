import type { SqlDatabase } from './sql';

export type DeliveryChannel = 'slack' | 'email' | 'webhook' | 'outbox';

export interface Delivery {
  key: string;
  channel: DeliveryChannel;
  target: string;
  ref: Record<string, unknown>;
  sentAt: Date;
}

interface DeliveryRow {
  key: string;
  channel: DeliveryChannel;
  target: string;
  ref: Record<string, unknown> | string;
  sent_at: Date | string;
}

/** Notifications that reached a channel, by delivery key: the record that stops a second post. */
export class NotificationDeliveries {
  constructor(private readonly db: SqlDatabase) {}

  async get(key: string): Promise<Delivery | undefined> {
    const [row] = await this.db.query<DeliveryRow>('SELECT * FROM notification_deliveries WHERE key = $1', [key]);
    return (
      row && {
        key: row.key,
        channel: row.channel,
        target: row.target,
        ref: typeof row.ref === 'string' ? JSON.parse(row.ref) : row.ref,
        sentAt: new Date(row.sent_at),
      }
    );
  }

  /** Records a delivery; a concurrent record of the same key keeps the first. */
  async record(delivery: Omit<Delivery, 'sentAt'>): Promise<void> {
    await this.db.query(
      'INSERT INTO notification_deliveries (key, channel, target, ref) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING',
      [delivery.key, delivery.channel, delivery.target, JSON.stringify(delivery.ref)],
    );
  }
}
