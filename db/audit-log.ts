import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';
import type { SqlDatabase, SqlExecutor } from './sql';

export const GENESIS_HASH = '0'.repeat(64);
/** Events per INSERT statement of `appendAll`. */
const INSERT_ROWS = 1000;

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

/** A signed checkpoint of the chain's head, kept in audit_anchors (outside audit_events). */
export interface AuditAnchor {
  /** The id of the event that was the head when it was signed. */
  sequence: number;
  /** That event's hash. */
  hash: string;
  at: string;
  /** Which key signed it (a fingerprint, never the key). */
  keyId: string;
  signature: string;
}

/** The latest anchor as a verification reports it (the nightly check keeps it in its result). */
export type AnchorSummary = Omit<AuditAnchor, 'signature'>;

/**
 * A head seen by an earlier check, kept outside the database (a nightly check's result in
 * Temporal's history, an operator's note): the chain must still reach it with that hash.
 * Catches what the anchors alone cannot: the newest events deleted together with their anchors.
 */
export interface ChainWitness {
  sequence: number;
  hash: string;
}

export type ChainVerification =
  | { ok: true; checked: number; anchor: AnchorSummary | null }
  | { ok: false; checked: number; brokenAt: number; reason: string; anchor: AnchorSummary | null };

/** The server key that signs anchors: HMAC-SHA256, identified by a fingerprint. */
export class AnchorKey {
  readonly id: string;
  readonly #secret: string;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the audit anchor key must be at least 32 characters');
    this.#secret = secret;
    this.id = createHash('sha256').update(`arxflow-audit-key-id\n${secret}`).digest('hex').slice(0, 16);
  }

  sign(anchor: { sequence: number; hash: string; at: string }): string {
    return createHmac('sha256', this.#secret)
      .update(`arxflow-audit-anchor/v1\n${anchor.sequence}\n${anchor.hash}\n${anchor.at}`)
      .digest('hex');
  }

  /** Why `anchor` does not verify with this key, or undefined when it does. */
  refusalOf(anchor: AuditAnchor): string | undefined {
    const expected = Buffer.from(this.sign(anchor), 'hex');
    const given = Buffer.from(anchor.signature, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
    if (anchor.keyId !== this.id) {
      return `the signature of the anchor at event ${anchor.sequence} does not verify: it names key ${anchor.keyId}, this server's key is ${this.id} (set ARXFLOW_AUDIT_KEY to the key that signed it, or the anchor was tampered with)`;
    }
    return `the signature of the anchor at event ${anchor.sequence} does not verify: the anchor was tampered with`;
  }
}

interface AnchorRow {
  sequence: string | number;
  head_hash: string;
  anchored_at: Date | string;
  key_id: string;
  signature: string;
}

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
  constructor(
    private readonly db: SqlDatabase,
    private readonly anchorKey: AnchorKey,
  ) {}

  /** Appends one event; pass `tx` to make it part of a caller's transaction. */
  async append(entry: AuditEntry, tx?: SqlExecutor): Promise<AuditEvent> {
    return (await this.appendAll([entry], tx))[0]!;
  }

  /**
   * Appends events in order, one after another in the chain, in one INSERT per 1,000 events
   * and under one anchor: the last event's, which covers the others (each hash includes the
   * one before).
   * Pass `tx` to make it part of a caller's transaction.
   */
  async appendAll(entries: AuditEntry[], tx?: SqlExecutor): Promise<AuditEvent[]> {
    if (!tx) return this.db.transaction((own) => this.appendAll(entries, own));
    if (entries.length === 0) return [];
    // One writer at a time: the chain needs the previous hash, and ids without gaps.
    await tx.query('LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE');
    const [last] = await tx.query<{ id: string | number; hash: string }>(
      'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    let previous = { id: last ? Number(last.id) : 0, hash: last?.hash ?? GENESIS_HASH };
    const events = entries.map((entry) => {
      const unhashed = {
        id: previous.id + 1,
        at: truncateToMillis(entry.at ?? new Date()),
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        workflowId: entry.workflowId ?? null,
        data: entry.data ?? {},
        prevHash: previous.hash,
      };
      const event: AuditEvent = { ...unhashed, hash: hashEvent(unhashed) };
      previous = event;
      return event;
    });
    // Rows per INSERT: PostgreSQL takes at most 65,535 parameters in a statement (9 per row).
    for (let from = 0; from < events.length; from += INSERT_ROWS) {
      const rows = events.slice(from, from + INSERT_ROWS);
      await tx.query(
        `INSERT INTO audit_events (id, at, actor, action, subject, workflow_id, data, prev_hash, hash) VALUES ${rows
          .map((_, row) => `(${Array.from({ length: 9 }, (_, col) => `$${row * 9 + col + 1}`).join(', ')})`)
          .join(', ')}`,
        rows.flatMap((event) => [
          event.id,
          event.at.toISOString(),
          event.actor,
          event.action,
          event.subject,
          event.workflowId,
          JSON.stringify(event.data),
          event.prevHash,
          event.hash,
        ]),
      );
    }
    await this.insertAnchor(tx, previous.id, previous.hash);
    return events;
  }

  /**
   * Signs the current head, if it has no anchor yet (the chain as found when anchoring was
   * introduced; every append anchors its own event afterwards). Returns the head's anchor.
   */
  async anchorHead(): Promise<AnchorSummary | null> {
    return this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE');
      const [last] = await tx.query<{ id: string | number; hash: string }>(
        'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1',
      );
      if (!last) return null;
      const [existing] = await tx.query<AnchorRow>('SELECT * FROM audit_anchors WHERE sequence = $1', [
        Number(last.id),
      ]);
      return summary(existing ? anchorFromRow(existing) : await this.insertAnchor(tx, Number(last.id), last.hash));
    });
  }

  /** The newest signed checkpoint of the head, or null when nothing was anchored yet. */
  async latestAnchor(): Promise<AuditAnchor | null> {
    const [row] = await this.db.query<AnchorRow>('SELECT * FROM audit_anchors ORDER BY sequence DESC LIMIT 1');
    return row ? anchorFromRow(row) : null;
  }

  /** Runs under the append's table lock, in its transaction: one anchor per append (at its last event), in order. */
  private async insertAnchor(tx: SqlExecutor, sequence: number, hash: string): Promise<AuditAnchor> {
    const at = new Date().toISOString();
    const anchor: AuditAnchor = {
      sequence,
      hash,
      at,
      keyId: this.anchorKey.id,
      signature: this.anchorKey.sign({ sequence, hash, at }),
    };
    await tx.query(
      'INSERT INTO audit_anchors (sequence, head_hash, anchored_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)',
      [anchor.sequence, anchor.hash, anchor.at, anchor.keyId, anchor.signature],
    );
    return anchor;
  }

  async list(options: { since?: Date; afterId?: number; limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = await this.db.query<AuditRow>(
      `SELECT * FROM audit_events WHERE id > $1 AND at >= $2 ORDER BY id LIMIT $3`,
      [options.afterId ?? 0, (options.since ?? new Date(0)).toISOString(), options.limit ?? 1000],
    );
    return rows.map(fromRow);
  }

  /**
   * Walks the whole chain in id order and reports the first event that does not fit: a
   * missing or edited row (the chain itself), an event whose hash differs from its signed
   * anchor (rows deleted or reordered and the chain re-hashed), a chain that ends before
   * the latest anchor (tail deleted), events no anchor covers (anchors deleted), and an
   * anchor whose signature does not verify (tampered with).
   */
  async verify(options: { witness?: ChainWitness; pageSize?: number } = {}): Promise<ChainVerification> {
    const { witness, pageSize = 1000 } = options;
    const latest = await this.latestAnchor();
    const anchor = latest ? summary(latest) : null;
    let expectedPrev = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    const broken = (brokenAt: number, reason: string): ChainVerification => ({
      ok: false,
      checked,
      brokenAt,
      reason,
      anchor,
    });
    const forged = latest && this.anchorKey.refusalOf(latest);
    if (forged) return broken(latest.sequence, forged);
    for (;;) {
      const page = await this.list({ afterId: expectedId - 1, limit: pageSize });
      const anchors =
        page.length === 0
          ? new Map<number, AuditAnchor>()
          : await this.anchorsBetween(page[0]!.id, page[page.length - 1]!.id);
      for (const event of page) {
        if (event.id !== expectedId) return broken(event.id, `event ${expectedId} is missing`);
        if (event.prevHash !== expectedPrev)
          return broken(event.id, 'prev_hash does not match the hash of the event before');
        const { hash, ...content } = event;
        if (hashEvent(content) !== hash) return broken(event.id, 'content does not match its hash (edited)');
        const signed = anchors.get(event.id);
        if (signed) {
          const refusal = this.anchorKey.refusalOf(signed);
          if (refusal) return broken(event.id, refusal);
          if (signed.hash !== hash) {
            return broken(
              event.id,
              `event ${event.id} does not match its signed anchor: events up to it were deleted, reordered or rewritten and the chain re-hashed`,
            );
          }
        }
        if (witness && event.id === witness.sequence && witness.hash !== hash) {
          return broken(
            event.id,
            `event ${event.id} does not match the head an earlier check saw (witness ${witness.hash.slice(0, 12)}…): the chain was rewritten since`,
          );
        }
        expectedPrev = hash;
        expectedId += 1;
        checked += 1;
      }
      if (page.length < pageSize) break;
    }
    const head = expectedId - 1;
    if (witness && head < witness.sequence) {
      return broken(
        head + 1,
        `${events(head + 1, witness.sequence)} missing: an earlier check saw the chain reach event ${witness.sequence}, it now ends at event ${head} (events and their anchors deleted)`,
      );
    }
    if (latest && head < latest.sequence) {
      return broken(
        head + 1,
        `${events(head + 1, latest.sequence)} missing: the chain ends at event ${head} but the latest signed anchor is at event ${latest.sequence} (tail deleted)`,
      );
    }
    if (head > (latest?.sequence ?? 0)) {
      const from = (latest?.sequence ?? 0) + 1;
      return broken(
        from,
        `${events(from, head)} not covered by a signed anchor (anchors deleted, or events written outside arxflow)`,
      );
    }
    return { ok: true, checked, anchor };
  }

  private async anchorsBetween(from: number, to: number): Promise<Map<number, AuditAnchor>> {
    const rows = await this.db.query<AnchorRow>('SELECT * FROM audit_anchors WHERE sequence BETWEEN $1 AND $2', [
      from,
      to,
    ]);
    return new Map(rows.map((row) => [Number(row.sequence), anchorFromRow(row)]));
  }
}

const events = (from: number, to: number) => (from === to ? `event ${from} is` : `events ${from} to ${to} are`);

function anchorFromRow(row: AnchorRow): AuditAnchor {
  return {
    sequence: Number(row.sequence),
    hash: row.head_hash,
    at: new Date(row.anchored_at).toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}

function summary({ signature: _signature, ...anchor }: AuditAnchor): AnchorSummary {
  return anchor;
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
