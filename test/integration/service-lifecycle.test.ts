import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { openStore } from '../../db/store';
import { readServiceFile, serviceFilePath } from '../../platform/service-file';
import { durabilityProbe } from '../../workflows';
import {
  processesMentioning,
  serviceEnv,
  spawnService,
  waitForOutput,
  type ServiceProcess,
} from '../support/service-process';

// `npm start` end to end: dev server on a SQLite file, worker, gateway; Ctrl-C/SIGTERM;
// restart resumes a workflow that was sleeping when the service stopped.
describe('npm start service lifecycle', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-start-'));
    env = await serviceEnv(dataDir);
  });
  afterEach(async () => {
    if (service && service.child.exitCode === null) {
      process.kill(-service.child.pid!, 'SIGKILL');
      await service.exited;
    }
    service = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const gateway = () => `http://127.0.0.1:${env.ARXFLOW_PORT}`;
  const stop = async (running: ServiceProcess) => {
    process.kill(running.child.pid!, 'SIGTERM');
    return running.exited;
  };
  const withClient = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const connection = await Connection.connect({ address: `127.0.0.1:${env.ARXFLOW_TEMPORAL_PORT}` });
    try {
      return await work(new Client({ connection }));
    } finally {
      await connection.close();
    }
  };

  it('starts everything, stops cleanly, and resumes a sleeping workflow after a restart', async () => {
    service = spawnService(env);
    await waitForOutput(service, /arxflow is running/);
    expect(service.output()).toContain(`Web UI    http://localhost:${env.ARXFLOW_TEMPORAL_UI_PORT}`);
    // No intake tokens set: the log says the alert routes take loopback callers only.
    expect(service.output()).toMatch(
      /alert intake alertmanager: no token set \(ARXFLOW_ALERTMANAGER_TOKEN\): accepting loopback callers only/,
    );

    const ready = await fetch(`${gateway()}/readyz`);
    expect(ready.status).toBe(200);
    // service.json says where this data dir's service answers (the CLI reads it).
    expect(readServiceFile(dataDir)).toEqual({
      pid: expect.any(Number),
      gatewayUrl: gateway(),
      temporalAddress: `127.0.0.1:${env.ARXFLOW_TEMPORAL_PORT}`,
      namespace: 'default',
      startedAt: expect.any(String),
    });
    expect((await fetch(`http://127.0.0.1:${env.ARXFLOW_TEMPORAL_UI_PORT}/`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${env.ARXFLOW_METRICS_PORT}/metrics`)).text()).toMatch(/temporal_/);

    const workflowId = 'durability-probe/across-restart';
    await withClient(async (client) => {
      const described = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: 'arxflow' },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      expect(described.pollers?.length).toBeGreaterThan(0);
      const handle = await client.workflow.start(durabilityProbe, {
        taskQueue: 'arxflow',
        workflowId,
        // Long enough to outlast a slow stop and restart on a loaded machine: it must be asleep at SIGTERM.
        args: [{ sleep: '20 seconds', label: 'across-restart' }],
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });

    // Checked again right before SIGTERM, not only after the start: the restart must find it sleeping.
    const stillSleeping = await withClient(async (client) => {
      const described = await client.workflow.getHandle(workflowId).describe();
      return { status: described.status.name, sentAt: Date.now() };
    });
    expect(stillSleeping.status).toBe('RUNNING');
    expect(await stop(service)).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]); // no dev server, worker or tsx left behind
    expect(existsSync(serviceFilePath(dataDir))).toBe(false);
    expect(existsSync(path.join(dataDir, 'temporal.pid'))).toBe(false);

    service = spawnService(env);
    await waitForOutput(service, /arxflow is running/);
    const restartedAt = Date.now();
    const { result, closedAt } = await withClient(async (client) => {
      const handle = client.workflow.getHandle<typeof durabilityProbe>(workflowId);
      const result = await handle.result();
      return { result, closedAt: (await handle.describe()).closeTime?.getTime() };
    });
    expect(result.label).toBe('across-restart');
    // It finished under the restarted service, not before the stop.
    expect(closedAt).toBeGreaterThanOrEqual(Math.min(restartedAt, stillSleeping.sentAt));
    expect(await stop(service)).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);

    // The service owned the PGlite store; now that it stopped, count the probe's side effects.
    const store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
    try {
      const events = (await store.audit.list()).filter((event) => event.workflowId === workflowId);
      expect(events.map((event) => event.action)).toEqual(['probe.started', 'probe.completed']);
      expect((await store.audit.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
    // Two starts and stops of the whole service and a 20 s sleep: minutes on a loaded 2-core machine.
  }, 400_000);

  it('refuses to start when the gateway port is taken, naming the port and ARXFLOW_PORT', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.ARXFLOW_PORT), '127.0.0.1', resolve));
    try {
      service = spawnService(env);
      expect(await service.exited).toBe(1);
      expect(service.output()).toContain(`port ${env.ARXFLOW_PORT} is already in use`);
      expect(service.output()).toContain('ARXFLOW_PORT');
    } finally {
      blocker.close();
    }
  });

  it('fails fast with a clear error when DATABASE_URL is unreachable', async () => {
    service = spawnService({ ...env, DATABASE_URL: 'postgres://arxflow:secret@127.0.0.1:1/arxflow' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(
      /DATABASE_URL: cannot connect to PostgreSQL at postgres:\/\/arxflow:\*\*\*@127\.0\.0\.1:1/,
    );
    expect(service.output()).not.toContain('secret');
  });

  it('exits 2 naming the variable when a setting is malformed', async () => {
    service = spawnService({ ...env, ARXFLOW_PORT: 'eighty' });
    expect(await service.exited).toBe(2);
    expect(service.output()).toMatch(/ARXFLOW_PORT/);
  });
});
