import { ApplicationFailure, Context } from '@temporalio/activity';
import type { HealthReport } from '../domain/probes';
import type { Store } from '../db/store';

export interface HealthDeps {
  store: Store;
}

export function createHealthActivities({ store }: HealthDeps) {
  return {
    async probeStore(): Promise<HealthReport> {
      const [row] = await store.db.query<{ count: string | number }>('SELECT count(*) AS count FROM schema_migrations');
      return { database: store.db.kind, migrations: Number(row?.count ?? 0), checkedAt: new Date().toISOString() };
    },

    /** One audit event per probe step, exactly once even when the activity is retried. */
    async recordProbeEvent(event: { step: 'started' | 'completed'; label?: string }): Promise<void> {
      const execution = Context.current().info.workflowExecution;
      if (!execution)
        throw ApplicationFailure.nonRetryable('recordProbeEvent runs only for a workflow', 'InvalidInput');
      const { workflowId, runId } = execution;
      const key = `${workflowId}/${runId}/${event.step}`;
      await store.idempotency.runOnce(key, (tx) =>
        store.audit.append(
          {
            actor: 'system:durability-probe',
            action: `probe.${event.step}`,
            subject: event.label ?? workflowId,
            workflowId: workflowId,
          },
          tx,
        ),
      );
    },
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
