import type { AuditEntry, AuditLog } from './audit-log';
import type { IdempotencyKeys } from './idempotency-keys';

/** An audit event with the key that makes it exactly once (a retried write with it appends nothing). */
export interface KeyedAuditEntry {
  key: string;
  entry: AuditEntry;
}

interface Waiting {
  entries: KeyedAuditEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Events in one transaction at most: the chain's INSERT takes 1,000 rows a statement. */
const MAX_BATCH_ENTRIES = 1_000;

/**
 * Group commit for the audit chain. Appends are one writer at a time anyway (the chain's table
 * lock), so the callers that arrive while one transaction runs are written together in the next:
 * one set of claims, one INSERT and one anchor for all of them, where each alone would take the
 * eight statements of `runOnceEach` + `appendAll`. A lone caller is written at once, never held
 * back to wait for company. Each caller's events stay together and in its order; a caller's
 * promise settles when the transaction holding its events has committed. When a shared
 * transaction fails, each of its callers is tried again alone, so one caller's bad event (or a
 * deadlock with another process) fails only that caller.
 */
export class AuditGroupCommit {
  private queue: Waiting[] = [];
  private draining = false;

  constructor(
    private readonly idempotency: IdempotencyKeys,
    private readonly audit: AuditLog,
  ) {}

  /** Appends the events whose keys were never written before, in order; resolves once committed. */
  appendOnce(entries: KeyedAuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.write(batch.flatMap((waiting) => waiting.entries));
          for (const waiting of batch) waiting.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const waiting of batch) await this.writeAlone(waiting);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The waiting callers in arrival order, as many as fit (always at least one, however large). */
  private takeBatch(): Waiting[] {
    let count = 0;
    let size = 0;
    while (
      count < this.queue.length &&
      (count === 0 || size + this.queue[count]!.entries.length <= MAX_BATCH_ENTRIES)
    ) {
      size += this.queue[count]!.entries.length;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async writeAlone(waiting: Waiting): Promise<void> {
    try {
      await this.write(waiting.entries);
      waiting.resolve();
    } catch (err) {
      waiting.reject(err);
    }
  }

  private async write(entries: KeyedAuditEntry[]): Promise<void> {
    // One key, one event: a key twice in a transaction (two attempts of one write) is written once.
    const byKey = new Map<string, AuditEntry>();
    for (const { key, entry } of entries) if (!byKey.has(key)) byKey.set(key, entry);
    await this.idempotency.runOnceEach([...byKey.keys()], (fresh, tx) =>
      this.audit.appendAll(
        fresh.map((key) => byKey.get(key)!),
        tx,
      ),
    );
  }
}
