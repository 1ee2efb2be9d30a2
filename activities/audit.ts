import type { ChainVerification } from '../db/audit-log';
import type { Store } from '../db/store';

export interface AuditDeps {
  store: Store;
}

export function createAuditActivities({ store }: AuditDeps) {
  return {
    /**
     * Read-only: a broken chain is returned as the finding, and nothing is appended to a log
     * that can no longer be trusted, so the evidence stays exactly as it was found.
     */
    async verifyAuditChain(): Promise<ChainVerification> {
      return store.audit.verify();
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
