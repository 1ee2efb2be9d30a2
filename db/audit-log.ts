import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import type { SqlDatabase, SqlExecutor } from './sql';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  workflowId?: string;
  data?: Record<string, unknown>;
  at?: Date;
}

export interface AuditEvent {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  workflowId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type ChainVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: number; reason: string };

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor: string;
  action: string;
  subject: string;
  workflow_id: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The hash of one event: its content and the hash before it. */
export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  const content = canonicalJson({
    id: event.id,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    subject: event.subject,
    workflowId: event.workflowId,
    data: event.data,
  });
  return createHash('sha256').update(`${event.prevHash}\n${content}`).digest('hex');
}

export class AuditLog {
  constructor(private readonly db: SqlDatabase) {}

  /** Appends one event; pass `tx` to make it part of a caller's transaction. */
  async append(entry: AuditEntry, tx?: SqlExecutor): Promise<AuditEvent> {
    if (!tx) return this.db.transaction((own) => this.append(entry, own));
    // One writer at a time: the chain needs the previous hash, and ids without gaps.
    await tx.query('LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE');
    const [last] = await tx.query<{ id: string | number; hash: string }>(
      'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    const unhashed = {
      id: last ? Number(last.id) + 1 : 1,
      at: truncateToMillis(entry.at ?? new Date()),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      workflowId: entry.workflowId ?? null,
      data: entry.data ?? {},
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const event: AuditEvent = { ...unhashed, hash: hashEvent(unhashed) };
    await tx.query(
      `INSERT INTO audit_events (id, at, actor, action, subject, workflow_id, data, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [event.id, event.at.toISOString(), event.actor, event.action, event.subject, event.workflowId,
        JSON.stringify(event.data), event.prevHash, event.hash],
    );
    return event;
  }

  async list(options: { since?: Date; afterId?: number; limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = await this.db.query<AuditRow>(
      `SELECT * FROM audit_events WHERE id > $1 AND at >= $2 ORDER BY id LIMIT $3`,
      [options.afterId ?? 0, (options.since ?? new Date(0)).toISOString(), options.limit ?? 1000],
    );
    return rows.map(fromRow);
  }

  /** Walks the whole chain in id order and reports the first event that does not fit. */
  async verify(pageSize = 1000): Promise<ChainVerification> {
    let expectedPrev = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    for (;;) {
      const page = await this.list({ afterId: expectedId - 1, limit: pageSize });
      for (const event of page) {
        const broken = (reason: string): ChainVerification => ({ ok: false, checked, brokenAt: event.id, reason });
        if (event.id !== expectedId) return broken(`event ${expectedId} is missing`);
        if (event.prevHash !== expectedPrev) return broken('prev_hash does not match the hash of the event before');
        const { hash, ...content } = event;
        if (hashEvent(content) !== hash) return broken('content does not match its hash (edited)');
        expectedPrev = hash;
        expectedId += 1;
        checked += 1;
      }
      if (page.length < pageSize) return { ok: true, checked };
    }
  }
}

function truncateToMillis(date: Date): Date {
  return new Date(Math.floor(date.getTime()));
}

function fromRow(row: AuditRow): AuditEvent {
  return {
    id: Number(row.id),
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    workflowId: row.workflow_id,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
