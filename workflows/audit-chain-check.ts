import { log, proxyActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { ChainVerification, ChainWitness } from '../db/audit-log';

export type AuditChainCheckResult = ChainVerification;

// The walk reads every audit event, so it is given minutes, not seconds. Reading is safe
// to retry; the attempts are bounded so a database that is down all night fails this run
// visibly, and the next scheduled run starts clean.
const { verifyAuditChain } = proxyActivities<AuditActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * Verifies the audit hash chain (run nightly by the `audit-chain-nightly` schedule). A broken
 * chain is a finding, not a failure of the check: the run completes with `ok: false` and
 * where the chain breaks, so the result is what operators look at. The result carries the
 * latest signed anchor (sequence and hash of the head): kept in Temporal's history, outside
 * the database, it lets a later run's head be compared with what was there that night.
 */
export async function auditChainCheck(input: { witness?: ChainWitness } = {}): Promise<AuditChainCheckResult> {
  // `witness`: an earlier run's `anchor` (sequence and hash); the chain must still reach it.
  const result = await verifyAuditChain(input.witness);
  if (!result.ok) log.warn('audit chain is broken', { brokenAt: result.brokenAt, reason: result.reason, checked: result.checked, anchor: result.anchor });
  return result;
}
