import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { ChainVerification, ChainWitness } from '../db/audit-log';

/** The verification, and the witness it was held to (carried to the next night when this one is broken). */
export type AuditChainCheckResult = ChainVerification & { witness?: ChainWitness };

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
  // Scheduled runs get the previous run's result from Temporal (lastResult): its anchor is
  // tonight's witness without anyone passing it, so deleting the newest events together with
  // their anchors is caught night to night. Same commands either way: no patch needed.
  const witness = input?.witness ?? witnessFrom(workflowInfo().lastResult);
  const result = await verifyAuditChain(witness);
  if (!result.ok)
    log.warn('audit chain is broken', {
      brokenAt: result.brokenAt,
      reason: result.reason,
      checked: result.checked,
      anchor: result.anchor,
      witness,
    });
  return witness ? { ...result, witness } : result;
}

/**
 * The witness a previous run leaves: its anchor when its chain was whole, else the witness
 * it was held to (a broken night's anchor may be what the tampering left). Anything else
 * (no previous run, another shape) is no witness.
 */
export function witnessFrom(previous: unknown): ChainWitness | undefined {
  if (previous === null || typeof previous !== 'object') return undefined;
  const { ok, anchor, witness } = previous as { ok?: unknown; anchor?: unknown; witness?: unknown };
  return asWitness(ok === true ? anchor : undefined) ?? asWitness(witness);
}

function asWitness(value: unknown): ChainWitness | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { sequence, hash } = value as { sequence?: unknown; hash?: unknown };
  return typeof sequence === 'number' &&
    Number.isInteger(sequence) &&
    sequence > 0 &&
    typeof hash === 'string' &&
    hash !== ''
    ? { sequence, hash }
    : undefined;
}
