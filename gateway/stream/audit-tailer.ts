import type { AuditEvent } from '../../db/audit-log';
import type { Store } from '../../db/store';

/** Where the tailer reads: the audit chain, ids ascending. */
export interface AuditSource {
  /** Events with id > afterId, ascending, at most `limit`. */
  list(options: { afterId: number; limit: number }): Promise<AuditEvent[]>;
  /** The id of the newest event (0 when there is none). */
  headId(): Promise<number>;
}

export function auditSourceOf(store: Store): AuditSource {
  return {
    list: (options) => store.audit.list(options),
    headId: async () => {
      const [row] = await store.db.query<{ id: string | number | null }>('SELECT MAX(id) AS id FROM audit_events');
      return Number(row?.id ?? 0);
    },
  };
}

export interface AuditTailerOptions {
  /** How often the store is read while anyone follows (default 200 ms: an event reaches subscribers within about that). */
  pollMs?: number;
  /** Events read per query (default 500). */
  pageSize?: number;
  /** Newest events kept in memory for subscribers a little behind (default 2000). */
  recent?: number;
  /** Told when reading the store begins to fail (tried again, less often while it keeps failing). */
  onError?: (err: unknown) => void;
}

/**
 * One reader of the audit chain per gateway process, however many follow it: it reads what
 * is new every `pollMs` while at least one subscriber is there (none: no polling), keeps the
 * newest events in memory and wakes the subscribers. Each subscriber keeps its own cursor
 * (the last id it has seen) and takes events after it from that memory, or from the store
 * when it is further behind (a resume with Last-Event-ID, a slow client), so nobody misses an
 * event or sees one twice, and a slow subscriber holds up no one.
 *
 * Relies on the chain's ids becoming visible in order: AuditLog.append takes a table lock
 * until its transaction commits, so event n+1 is never visible before event n.
 */
export class AuditTailer {
  readonly #source: AuditSource;
  readonly #pollMs: number;
  readonly #pageSize: number;
  readonly #recentMax: number;
  readonly #onError: (err: unknown) => void;
  /** The newest id read from the store; -1 until the polling loop has read the head. */
  #position = -1;
  #recent: AuditEvent[] = [];
  #subscribers = 0;
  #waiters = new Set<() => void>();
  #loop: Promise<void> | undefined;
  /** Set and cleared synchronously with the loop's own checks, so a subscriber arriving as it stops starts a new one. */
  #polling = false;
  #closed = false;
  #wakeLoop: (() => void) | undefined;

  constructor(source: AuditSource, options: AuditTailerOptions = {}) {
    this.#source = source;
    this.#pollMs = options.pollMs ?? 200;
    this.#pageSize = options.pageSize ?? 500;
    this.#recentMax = options.recent ?? 2000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The id of the newest event in the store: where a subscriber without a cursor begins. */
  head(): Promise<number> {
    return this.#source.headId();
  }

  /** How many follow now (polling runs while this is above 0). */
  get subscribers(): number {
    return this.#subscribers;
  }

  /**
   * Every event after `afterId` that `keep` accepts, in id order, as they are written; ends
   * when `signal` aborts or the tailer closes. Throws what the store throws.
   */
  async *follow(
    afterId: number,
    keep: (event: AuditEvent) => boolean,
    signal: AbortSignal,
  ): AsyncGenerator<AuditEvent> {
    this.#retain();
    try {
      let cursor = afterId;
      while (!signal.aborted && !this.#closed) {
        const events = await this.#after(cursor);
        for (const event of events) {
          if (signal.aborted || this.#closed) return;
          cursor = event.id;
          if (keep(event)) yield event;
        }
        if (events.length === 0) await this.#advancePast(cursor, signal);
      }
    } finally {
      this.#release();
    }
  }

  /** Ends every follow and the polling loop (the gateway closes). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    this.#wakeLoop?.();
    await this.#loop;
  }

  /** Events after `cursor` the tailer knows of: from memory when it holds them, else from the store. */
  async #after(cursor: number): Promise<AuditEvent[]> {
    if (cursor >= this.#position) return [];
    const oldest = this.#recent[0];
    if (oldest && oldest.id <= cursor + 1) {
      const from = this.#recent.findIndex((event) => event.id > cursor);
      return from < 0 ? [] : this.#recent.slice(from, from + this.#pageSize);
    }
    return this.#source.list({ afterId: cursor, limit: this.#pageSize });
  }

  /** Resolves once the tailer has read past `cursor`, or on abort or close. */
  #advancePast(cursor: number, signal: AbortSignal): Promise<void> {
    if (this.#position > cursor || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #retain(): void {
    this.#subscribers += 1;
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    this.#loop = this.#poll();
  }

  #release(): void {
    this.#subscribers -= 1;
  }

  async #poll(): Promise<void> {
    // A fresh start reads from the head: what came while nobody followed is read from the
    // store by whoever resumes from before it.
    this.#position = -1;
    this.#recent = [];
    try {
      let failures = 0;
      while (this.#subscribers > 0 && !this.#closed) {
        let full = false;
        try {
          if (this.#position < 0) {
            this.#position = await this.#source.headId();
            this.#wake();
          } else {
            const events = await this.#source.list({ afterId: this.#position, limit: this.#pageSize });
            if (events.length > 0) {
              this.#recent.push(...events);
              const excess = this.#recent.length - this.#recentMax;
              if (excess > 0) this.#recent.splice(0, excess);
              this.#position = events[events.length - 1]!.id;
              this.#wake();
            }
            full = events.length === this.#pageSize;
          }
          failures = 0;
        } catch (err) {
          if (this.#closed) return;
          // Told once per outage, tried again less often the longer it lasts (at most every 5 s).
          if (failures === 0) this.#onError(err);
          failures += 1;
        }
        if (!full) await this.#sleep(Math.min(this.#pollMs * 2 ** failures, Math.max(this.#pollMs, 5_000)));
      }
    } finally {
      this.#polling = false;
      this.#position = -1;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeLoop = done;
    });
  }
}
