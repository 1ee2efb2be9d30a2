import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { openStore, type Store } from '../../db/store';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'arxflow.js');

describe('arxflow CLI against a dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let worker: Worker;
  let workerRun: Promise<void>;
  const taskQueue = uniqueTaskQueue('cli');

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openStore({ inMemory: true })]);
    worker = await createTestWorker(env, taskQueue, { store });
    workerRun = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await env?.teardown();
    await store?.close();
  });

  // Async spawn: the worker in this process must keep polling while the CLI runs.
  function arxflow(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('node', [BIN, ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, ARXFLOW_TASK_QUEUE: taskQueue },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('health runs the healthCheck workflow through the worker and the store', async () => {
    const result = await arxflow(['health', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'healthy', database: 'pglite', migrations: 1 });
  });

  it('probe start --wait runs a durability probe to completion; workflows describe shows it', async () => {
    const started = await arxflow(['probe', 'start', '--sleep', '1s', '--label', 'cli-probe', '--wait', '--json']);
    expect(started.status).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      workflowId: 'durability-probe/cli-probe', status: 'completed', result: { label: 'cli-probe', sleep: '1s' },
    });

    const described = await arxflow(['workflows', 'describe', 'durability-probe/cli-probe', '--json']);
    expect(described.status).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ type: 'durabilityProbe', status: 'COMPLETED', taskQueue });
  });

  it('workflows describe of an unknown id exits 1 saying so', async () => {
    const result = await arxflow(['workflows', 'describe', 'durability-probe/never-started']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('workflow durability-probe/never-started not found');
  });
});
