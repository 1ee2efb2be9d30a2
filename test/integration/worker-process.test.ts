import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { healthCheck } from '../../workflows';
import { freePort } from '../../scripts/ports';
import { startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';
import { MIGRATIONS } from '../support/migrations';

const ROOT = path.resolve(__dirname, '..', '..');

describe('npm run worker: a standalone worker process', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;

  beforeAll(async () => {
    env = await startDevServerEnv();
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-worker-'));
  });
  afterAll(async () => {
    await env?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('polls its task queue on TEMPORAL_ADDRESS, serves metrics, and stops on SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('standalone');
    const metricsPort = await freePort();
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['workers/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        ARXFLOW_TASK_QUEUE: taskQueue,
        DATABASE_URL: '',
        ARXFLOW_DATA_DIR: dataDir,
        ARXFLOW_METRICS_PORT: String(metricsPort),
        ARXFLOW_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    const report = await env.client.workflow.execute(healthCheck, { taskQueue, workflowId: `health/${taskQueue}` });
    expect(report).toMatchObject({ database: 'pglite', migrations: MIGRATIONS.length });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/temporal_workflow_completed/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/error/i);
  });
});
