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
import { openStore } from '../db/store';
import * as workflows from '../workflows';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { temporalCliExecutable } from './temporal-tools';

type Exports = typeof workflows;
type WorkflowType = { [K in keyof Exports]: Exports[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof Exports];

interface Sample {
  args: unknown[];
  /** Messages sent while it runs, so the history covers its handlers too. */
  drive?: (handle: WorkflowHandle) => Promise<void>;
}

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
