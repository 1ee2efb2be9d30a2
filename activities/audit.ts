import { Context } from '@temporalio/activity';
import type { ChainVerification, ChainWitness } from '../db/audit-log';
import type { Store } from '../db/store';

export interface AuditDeps {
  store: Store;
}

/** One transition of a workflow, for the audit chain (actor, what, before/after in `data`). */
export interface WorkflowEventRecord {
  /** Increases with every transition of one run: part of the idempotency key. */
  sequence: number;
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

/** Appends one transition of the calling activity's workflow run to the audit chain, exactly once (keyed by run and sequence). */
export async function appendWorkflowEvent(store: Store, event: WorkflowEventRecord): Promise<void> {
  await appendWorkflowEvents(store, [event]);
}

/**
 * Appends transitions of the calling activity's workflow run to the audit chain, each exactly
 * once (keyed by run and sequence), in one transaction shared with whatever other appends are
 * waiting at that moment (db/audit-group-commit.ts).
 */
export async function appendWorkflowEvents(store: Store, events: WorkflowEventRecord[]): Promise<void> {
  const { workflowExecution } = Context.current().info;
  const workflowId = workflowExecution?.workflowId ?? 'unknown';
  const runId = workflowExecution?.runId ?? 'unknown';
  await store.auditWrites.appendOnce(
    events.map((event) => ({
      key: `${workflowId}/${runId}/audit/${event.sequence}`,
      entry: { actor: event.actor, action: event.action, subject: event.subject, workflowId, data: event.data },
    })),
  );
}

export function createAuditActivities({ store }: AuditDeps) {
  return {
    /**
     * Appends the audit events of a workflow's transitions, each exactly once (keyed by run
     * and sequence), in one activity and one transaction: a burst of transitions costs one
     * round trip and at most eight SQL statements (fewer when other appends share them).
     */
    async recordWorkflowEvents(events: WorkflowEventRecord[]): Promise<void> {
      await appendWorkflowEvents(store, events);
    },

    /**
     * Read-only: a broken chain is returned as the finding, and nothing is appended to a log
     * that can no longer be trusted, so the evidence stays exactly as it was found.
     */
    async verifyAuditChain(witness?: ChainWitness): Promise<ChainVerification> {
      return store.audit.verify({ witness });
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
