// `npm run histories:record`: runs one sample of every workflow type on a Temporal dev
// server with the real worker and writes each history to test/histories/<type>.json,
// which test/replay replays against the current workflow code. Re-record after an
// intended, patched() change; never to silence a determinism failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore, type Store } from '../db/store';
import { Ledger, ledgerAccounts } from '../db/ledger';
import { TaskTriggers } from '../db/task-triggers';
import type { FundingGateInput } from '../domain/funding/gate-input';
import * as workflows from '../workflows';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { temporalCliExecutable } from './temporal-tools';

type Exports = typeof workflows;
type WorkflowType = { [K in keyof Exports]: Exports[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof Exports];

interface Sample {
  args: unknown[];
  /** Data the run needs in the store first (a funded project). */
  prepare?: (store: Store) => Promise<void>;
  /** Messages sent while it runs, so the history covers its handlers too. */
  drive?: (handle: WorkflowHandle) => Promise<void>;
}

const SAMPLE_DRAW: FundingGateInput = {
  projectId: 'SAMPLE', milestoneId: 'M1', requestedBy: 'gc-alex', payeeId: 'acme-builders', currency: 'USD',
  lines: [
    { lineId: 'L1', description: 'Foundations', scheduledValue: 5_000_000, requestedAmount: 2_000_000 },
    { lineId: 'L2', description: 'Framing', scheduledValue: 3_000_000, previouslyReleased: 1_000_000, requestedAmount: 1_000_000 },
  ],
  retainage: { percent: 10 }, projectPercentComplete: 40,
  conditions: [
    { id: 'sov', type: 'document', name: 'schedule-of-values', mode: 'blocking' },
    { id: 'waiver', type: 'lien_waiver', waiverType: 'conditional-progress', from: 'acme-builders', throughDate: '2026-11-30', mode: 'blocking' },
  ],
  approvals: { stages: [{ name: 'review', approvers: { users: ['rita'] }, quorum: 1 }, { name: 'signatory', approvers: { roles: ['signatory'] }, quorum: 1 }] },
  clocks: { reminderEvery: '1 day', slaAfter: '3 days', expireAfter: '10 days', escalationContact: 'lender-ops', unconditionalWaiverDue: '10 days' },
};

/** One representative run per workflow type. */
const SAMPLES: Record<WorkflowType, Sample> = {
  healthCheck: { args: [] },
  auditChainCheck: { args: [] },
  durabilityProbe: {
    args: [{ sleep: '1 hour', label: 'history-sample' }],
    drive: async (handle) => {
      await handle.query(workflows.probeStatusQuery);
      await handle.signal(workflows.wakeUpSignal, { reason: '', actor: 'history-recorder' }); // refused and recorded
      await handle.executeUpdate(workflows.wakeUpUpdate, { args: [{ reason: 'history sample', actor: 'history-recorder' }] });
    },
  },
  taskEvent: {
    args: [{ eventId: 'history-sample-1', projectId: 'SAMPLE', taskId: 'T-1', type: 'task_completed', status: 'done', occurredAt: '2026-11-25T10:00:00Z', fields: { phase: 'framing' } }],
    prepare: async (store) => {
      await new TaskTriggers(store.db).upsert({
        id: 'history-sample', projectId: 'SAMPLE', taskId: 'T-1', triggerType: 'task_completed',
        actions: [
          { type: 'notify', channel: 'log', recipients: ['ops'], subject: 'Task {{taskId}} {{status}}', body: 'phase {{fields.phase}}' },
          { type: 'signal_gate', workflowId: 'funding-gate/SAMPLE/NONE', payload: { kind: 'task', taskId: '{{taskId}}' } },
        ],
      });
    },
  },
  fundingDeposit: { args: [{ projectId: 'SAMPLE', reference: 'wire-0001', amount: 500_000, currency: 'USD' }] },
  fundingGate: {
    args: [SAMPLE_DRAW],
    prepare: async (store) => {
      const ledger = new Ledger(store.db);
      await ledger.ensureAccount(ledgerAccounts.projectFunding('SAMPLE'), 'funding', 'USD');
      await ledger.fund(ledgerAccounts.projectFunding('SAMPLE'), 10_000_000, 'history-sample-deposit', 'sample deposit');
    },
    drive: async (handle) => {
      const waiver = { kind: 'lien_waiver', from: 'acme-builders', throughDate: '2026-11-30', amount: 2_700_000, actor: 'gc-alex' };
      await handle.executeUpdate(workflows.evidenceUpdate, { args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }] });
      await handle.executeUpdate(workflows.evidenceUpdate, { args: [{ ...waiver, waiverType: 'conditional-progress' }] });
      await handle.signal(workflows.decideSignal, { decision: 'approve', actor: 'gc-alex', roles: ['reviewer'] }); // four eyes: recorded
      await handle.executeUpdate(workflows.decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(workflows.decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'], approvedAmounts: { L1: 1_500_000 } }] });
      while ((await handle.query(workflows.statusQuery)).status !== 'disbursed') await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.evidenceUpdate, { args: [{ ...waiver, waiverType: 'unconditional-progress' }] });
    },
  },
};

const HISTORIES_DIR = path.resolve(__dirname, '..', 'test', 'histories');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: temporalCliExecutable(), searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES },
  });
  const store = await openStore({ inMemory: true });
  try {
    const taskQueue = 'record-histories';
    const worker = await createArxflowWorker({
      connection: env.nativeConnection, namespace: 'default', taskQueue,
      workflowBundle: await buildWorkflowBundle(), deps: { store },
    });
    mkdirSync(HISTORIES_DIR, { recursive: true });
    await worker.runUntil(async () => {
      for (const [type, sample] of Object.entries(SAMPLES)) {
        await sample.prepare?.(store);
        const handle = await env.client.workflow.start(type, { taskQueue, workflowId: `history-sample/${type}`, args: sample.args });
        await sample.drive?.(handle);
        await handle.result();
        const file = path.join(HISTORIES_DIR, `${type}.json`);
        writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 2)}\n`);
        console.log(`recorded ${path.relative(process.cwd(), file)}`);
      }
    });
  } finally {
    await store.close();
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
