import type { Client } from '@temporalio/client';

/** What `arxflow health` says of the Temporal server it reached: its version and where it keeps its state. */
export interface TemporalPersistence {
  /** The kind of database: `postgres`, `mysql`, `sqlite`, `cassandra`, or `unknown` (a server that does not say). */
  persistence: string;
  temporal: { serverVersion?: string; persistenceStore?: string; visibilityStore?: string };
}

/**
 * The store's kind from the name the server reports (GetClusterInfo's persistenceStore is the SQL
 * plugin's name: `postgres12`, `postgres12_pgx`, `mysql8`, `sqlite`; or `cassandra`).
 */
export function persistenceKind(store: string | undefined | null): string {
  if (!store) return 'unknown';
  const match = /^(postgres|mysql|sqlite|cassandra)/i.exec(store);
  return match ? match[1]!.toLowerCase() : store;
}

/**
 * Asks the server (WorkflowService.GetClusterInfo). The Java test server does not implement it:
 * then `unknown`, since health is about the path through the worker, which already answered.
 */
export async function temporalPersistence(client: Client): Promise<TemporalPersistence> {
  try {
    const info = await client.workflowService.getClusterInfo({});
    return {
      persistence: persistenceKind(info.persistenceStore),
      temporal: {
        serverVersion: info.serverVersion || undefined,
        persistenceStore: info.persistenceStore || undefined,
        visibilityStore: info.visibilityStore || undefined,
      },
    };
  } catch {
    return { persistence: 'unknown', temporal: {} };
  }
}
