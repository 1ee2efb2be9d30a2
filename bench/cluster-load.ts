// The two loads of `npm run bench -- cluster`, the same against any arxflow deployment (the dev
// server of `npm start`, or the cluster with one or two workers): funding gates driven to
// disbursement through a Temporal client, and alerts posted to the gateway until their Slack
// message arrives. Only the deployment differs between rows, so their ratios are the topology's.
import type { Client } from '@temporalio/client';
import { FundingPrograms } from '../db/funding-programs';
import { Ledger, ledgerAccounts } from '../db/ledger';
import type { Store } from '../db/store';
import { fundingGateId } from '../domain/funding/gate-input';
import { decideUpdate, fundingGate } from '../workflows';
import { draw } from './funding';
import { postAlert, type slackWatcher } from './alert-load';

/** What a load needs of a running deployment. */
export interface Deployment {
  client: Client;
  taskQueue: string;
  gatewayUrl: string;
  /** arxflow's store of that deployment (the ledger the gates pay from). */
  store: Store;
}

/** A funded project with its registered payee (disburse pays registered payees only). */
export async function fundedProject(store: Store, projectId: string): Promise<void> {
  const ledger = new Ledger(store.db);
  await ledger.ensureAccount(ledgerAccounts.projectFunding(projectId), 'funding', 'USD');
  await ledger.fund(ledgerAccounts.projectFunding(projectId), 1_000_000_000_000, `bench-${projectId}`, 'bench deposit');
  await new FundingPrograms(store.db, store.audit).registerPayee(projectId, 'payee', 'Bench payee', 'bench-admin');
}

/** Far beyond a gate's time on a loaded machine (seconds), well under a hung bench's. */
const GATE_DEADLINE_MS = 300_000;

/**
 * One gate from start to disbursement (bench/funding.ts's draw: two approval stages, no
 * conditions): start, two approvals as Updates, its result. Returns its latency in ms.
 */
export async function runGate(deployment: Deployment, projectId: string, milestoneId: string): Promise<number> {
  const t0 = performance.now();
  const input = draw(projectId, milestoneId);
  const handle = await deployment.client.workflow.start(fundingGate, {
    taskQueue: deployment.taskQueue,
    workflowId: fundingGateId(input),
    args: [input],
  });
  for (const actor of ['rita', 'sam'])
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor, roles: [] }] });
  // A gate that cannot finish (its payment refused: an unfunded project) would wait forever.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${handle.workflowId} not done in ${GATE_DEADLINE_MS / 1000} s`)),
      GATE_DEADLINE_MS,
    );
  });
  try {
    await Promise.race([handle.result(), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - t0;
}

/** POST /v1/events (a PagerDuty Events v2 trigger, a new alert) to its first Slack message, in ms. */
export async function runAlert(
  deployment: Deployment,
  watcher: ReturnType<typeof slackWatcher>,
  key: string,
): Promise<number> {
  const t0 = performance.now();
  await postAlert(deployment.gatewayUrl, key);
  await watcher.messageOf(key);
  return performance.now() - t0;
}
