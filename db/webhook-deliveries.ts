import { randomUUID } from 'node:crypto';
import type { SqlDatabase } from './sql';

export type DeliveryStatus = 'processing' | 'done';

/** A claim this gateway holds: it must end with exactly one of complete or release. */
export interface HeldClaim {
  claimed: true;
  /** Marks the delivery done; every later delivery with its id is a duplicate. */
  complete(result: unknown): Promise<void>;
  /** Deletes the claim after a failure, so the sender's retry runs the delivery again. */
  release(): Promise<void>;
}

/** Someone already has this delivery: done, or in flight on another request. */
export interface TakenClaim {
  claimed: false;
  status: DeliveryStatus;
  result: unknown;
}

export type DeliveryClaim = HeldClaim | TakenClaim;

export interface WebhookDelivery {
  source: string;
  deliveryId: string;
  status: DeliveryStatus;
  result: unknown;
  receivedAt: Date;
  updatedAt: Date;
}

export interface WebhookDeliveriesOptions {
  /** A 'processing' claim older than this belongs to a crashed gateway and may be claimed again. */
  reclaimAfterSeconds?: number;
}

interface DeliveryRow {
  source: string;
  delivery_id: string;
  status: DeliveryStatus;
  result: unknown;
  received_at: Date | string;
  updated_at: Date | string;
}

/**
 * Inbound webhook deliveries seen, so a replay is acknowledged and ignored. Unlike
 * IdempotencyKeys the claim cannot share a transaction with its effect (the effect is a
 * Temporal call), hence the explicit processing -> done | released life cycle. Each claim
 * carries a token: a gateway that was presumed dead and comes back can neither complete
 * nor release the claim someone else took over.
 */
export class WebhookDeliveries {
  private readonly reclaimAfterSeconds: number;

  constructor(
    private readonly db: SqlDatabase,
    options: WebhookDeliveriesOptions = {},
  ) {
    this.reclaimAfterSeconds = options.reclaimAfterSeconds ?? 60;
  }

  async claim(source: string, deliveryId: string): Promise<DeliveryClaim> {
    // A release between our failed INSERT and the SELECT leaves no row: simply try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const token = randomUUID();
      const inserted = await this.db.query(
        `INSERT INTO webhook_deliveries (source, delivery_id, status, claim_token) VALUES ($1, $2, 'processing', $3)
         ON CONFLICT (source, delivery_id) DO NOTHING RETURNING delivery_id`,
        [source, deliveryId, token],
      );
      if (inserted.length > 0) return this.held(source, deliveryId, token);
      // The WHERE is re-checked under the row lock, so of two retries racing for a stale claim one wins.
      const reclaimed = await this.db.query(
        `UPDATE webhook_deliveries SET claim_token = $3, received_at = now(), updated_at = now()
         WHERE source = $1 AND delivery_id = $2 AND status = 'processing'
           AND updated_at < now() - ($4::double precision * interval '1 second')
         RETURNING delivery_id`,
        [source, deliveryId, token, this.reclaimAfterSeconds],
      );
      if (reclaimed.length > 0) return this.held(source, deliveryId, token);
      const existing = await this.find(source, deliveryId);
      if (existing) return { claimed: false, status: existing.status, result: existing.result };
    }
    throw new Error(`webhook delivery ${source}/${deliveryId}: claim kept vanishing, try again`);
  }

  async find(source: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const [row] = await this.db.query<DeliveryRow>(
      'SELECT source, delivery_id, status, result, received_at, updated_at FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2',
      [source, deliveryId],
    );
    return (
      row && {
        source: row.source,
        deliveryId: row.delivery_id,
        status: row.status,
        result: row.result,
        receivedAt: new Date(row.received_at),
        updatedAt: new Date(row.updated_at),
      }
    );
  }

  private held(source: string, deliveryId: string, token: string): HeldClaim {
    return {
      claimed: true,
      complete: async (result) => {
        await this.db.query(
          `UPDATE webhook_deliveries SET status = 'done', result = $4, updated_at = now()
           WHERE source = $1 AND delivery_id = $2 AND claim_token = $3 AND status = 'processing'`,
          [source, deliveryId, token, JSON.stringify(result ?? null)],
        );
      },
      release: async () => {
        await this.db.query(
          `DELETE FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2 AND claim_token = $3 AND status = 'processing'`,
          [source, deliveryId, token],
        );
      },
    };
  }
}
