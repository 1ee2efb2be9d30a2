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
  const { workflowExecution } = Context.current().info;
  const workflowId = workflowExecution?.workflowId ?? 'unknown';
  await store.idempotency.runOnce(
    `${workflowId}/${workflowExecution?.runId ?? 'unknown'}/audit/${event.sequence}`,
    (tx) =>
      store.audit.append(
        { actor: event.actor, action: event.action, subject: event.subject, workflowId, data: event.data },
        tx,
      ),
  );
}

export function createAuditActivities({ store }: AuditDeps) {
  return {
    /**
     * Appends the audit events of a workflow's transitions, each exactly once (keyed by run
     * and sequence), in one activity: a burst of transitions costs one round trip.
     */
    async recordWorkflowEvents(events: WorkflowEventRecord[]): Promise<void> {
      for (const event of events) await appendWorkflowEvent(store, event);
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
