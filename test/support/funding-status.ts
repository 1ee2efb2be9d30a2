import type { Client } from '@temporalio/client';
import type { GateStatusView } from '../../domain/funding/gate';
import { statusQuery } from '../../workflows';

/** Queries a gate's status until `accept` holds (signals are applied asynchronously); the last status otherwise. */
export async function gateStatusWhen(
  client: Client,
  workflowId: string,
  accept: (status: GateStatusView) => boolean,
  timeoutMs = 15_000,
): Promise<GateStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.workflow.getHandle(workflowId).query(statusQuery);
    if (accept(status) || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Who the gate counted and whom it refused, with the refusal reasons: what the tests compare. */
export function votersOf(status: GateStatusView) {
  return {
    counted: status.approvals.votes.map((v) => v.actor),
    refused: status.approvals.refused.map((r) => ({ actor: r.actor, reason: r.reason })),
  };
}
