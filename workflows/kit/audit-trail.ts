import { proxyActivities } from '@temporalio/workflow';
import type { AuditActivities, WorkflowEventRecord } from '../../activities/audit';

// The audit chain must not lose a transition: retried until it lands (each event is keyed
// by run and sequence, so a retry appends nothing twice).
const { recordWorkflowEvents } = proxyActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type AuditEvent = Omit<WorkflowEventRecord, 'sequence' | 'subject'>;

export interface AuditTrailOptions<E> {
  /** The audit subject of every event (`project/milestone`, a plan id, an incident key). */
  subject: string;
  /** The workflow's timeline, read at each flush; bounded timelines (oldest dropped) are fine. */
  timeline: () => readonly E[];
  /** A timeline entry as an audit event. */
  toEvent: (entry: E) => AuditEvent;
}

/**
 * The audit trail of one workflow run: every timeline entry, and every event noted with
 * `note`, reaches the audit chain exactly once, numbered in one sequence. `flush` writes
 * what is pending in one activity call, then again for anything added while that call ran
 * (a message handled during the await), until nothing is left.
 */
export class AuditTrail<E> {
  private sequence = 0;
  private pending: AuditEvent[] = [];
  /** The last entry audited: found again by identity, since a bounded timeline shifts its indexes. */
  private lastAudited: E | undefined;

  constructor(private readonly options: AuditTrailOptions<E>) {}

  /** Queues an event that is not a timeline entry (opened, a status change, closed) for the next flush. */
  note(actor: string, action: string, data?: Record<string, unknown>): void {
    this.pending.push({ actor, action, ...(data ? { data } : {}) });
  }

  /** Treats the timeline entries there are now as audited (they were written some other way). */
  skipTimeline(): void {
    const timeline = this.options.timeline();
    if (timeline.length > 0) this.lastAudited = timeline[timeline.length - 1];
  }

  /** Writes the noted events and the unaudited timeline entries; returns once none is left. */
  async flush(): Promise<void> {
    for (;;) {
      const events = [...this.pending.splice(0), ...this.freshEntries().map(this.options.toEvent)];
      if (events.length === 0) return;
      await recordWorkflowEvents(
        events.map((event) => ({ ...event, sequence: ++this.sequence, subject: this.options.subject })),
      );
    }
  }

  /** Notes one event and flushes: `await trail.record(...)` where the event must be written before going on. */
  async record(actor: string, action: string, data?: Record<string, unknown>): Promise<void> {
    this.note(actor, action, data);
    await this.flush();
  }

  private freshEntries(): E[] {
    const timeline = this.options.timeline();
    const from = this.lastAudited === undefined ? 0 : timeline.lastIndexOf(this.lastAudited) + 1;
    const fresh = timeline.slice(from);
    if (fresh.length > 0) this.lastAudited = fresh[fresh.length - 1];
    return fresh;
  }
}
