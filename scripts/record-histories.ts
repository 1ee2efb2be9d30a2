// `npm run histories:record`: runs one sample of every workflow type on a Temporal dev
// server with the real worker and writes each history to test/histories/<type>.json,
// which test/replay replays against the current workflow code. Re-record after an
// intended, patched() change; never to silence a determinism failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore } from '../db/store';
import * as workflows from '../workflows';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { buildWorkflowBundle } from '../workers/bundle';
import { createArxflowWorker } from '../workers/worker';
import { temporalCliExecutable } from './temporal-tools';

type WorkflowType = keyof typeof workflows;

/** One representative run per workflow type: the args it is started with. */
const SAMPLES: Record<WorkflowType, unknown[]> = {
  healthCheck: [],
  durabilityProbe: [{ sleep: '1 second', label: 'history-sample' }],
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
      for (const [type, args] of Object.entries(SAMPLES)) {
        const handle = await env.client.workflow.start(type, { taskQueue, workflowId: `history-sample/${type}`, args });
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
