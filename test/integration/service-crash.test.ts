import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServiceFile, serviceFilePath } from '../../platform/service-file';
import { reachableUrl } from '../../scripts/ports';
import { recordedDevServerPid, stopLeftoverDevServer } from '../../scripts/dev-server-pid';
import { listProcesses, processIdentity } from '../../platform/process-identity';
import { TEST_SETTINGS, tokenFor } from '../support/gateway';
import { seedMigratedPglite } from '../support/pglite-template';
import {
  processesMentioning,
  serviceEnv,
  spawnService,
  waitForOutput,
  waitUntil,
  type ServiceProcess,
} from '../support/service-process';

// `npm start` after a crash: kill -9 of the service's node process (its pid in service.json, not
// the process group) takes the dev server with it, or leaves one the next start recognises by
// <dataDir>/temporal.pid and stops; a dev server killed under a running service is restarted a
// bounded number of times, and the worker and gateway carry on once it is back.
describe('npm start after a crash', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const services: ServiceProcess[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-crash-'));
    // A migrated store in place: the crash handling is the subject, not a fresh store's initdb (service-lifecycle's).
    seedMigratedPglite(dataDir);
    env = await serviceEnv(dataDir, { ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret! });
  });
  afterEach(async () => {
    for (const service of services.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        process.kill(-service.child.pid!, 'SIGKILL');
        await service.exited;
      }
    }
    await stopLeftoverDevServer(dataDir).catch(() => {}); // a failed test must not leave a dev server behind
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const service = spawnService(env);
    services.push(service);
    await waitForOutput(service, /arxflow is running/);
    expect(service.output()).not.toContain('already in use');
    return { service, pid: readServiceFile(dataDir)!.pid, devServer: recordedDevServerPid(dataDir)! };
  };
  const gateway = () => `http://127.0.0.1:${env.ARXFLOW_PORT}`;
  const alive = (pid: number) => processIdentity(pid) !== undefined;

  it('kill -9 of the service ends its dev server; a dev server left anyway is stopped by the next start', async () => {
    const first = await start();
    expect(readServiceFile(dataDir)).toMatchObject({ gatewayUrl: gateway(), namespace: 'default' });
    expect(first.pid).not.toBe(first.service.child.pid); // the node process running start.ts, not tsx

    process.kill(first.pid, 'SIGKILL');
    await first.service.exited;
    await waitUntil('no process of the data dir is left', () => processesMentioning(dataDir).length === 0, 15_000);

    // The watcher that ends the dev server killed as well (the worst case): the dev server outlives
    // the service, and the pid file is how the next start finds it.
    const second = await start();
    expect(second.devServer).not.toBe(first.devServer);
    const watcher = listProcesses().find((entry) => entry.ppid === second.devServer)!;
    expect(watcher).toBeDefined();
    process.kill(second.pid, 'SIGKILL');
    process.kill(watcher.pid, 'SIGKILL');
    await second.service.exited;
    expect(alive(second.devServer)).toBe(true);

    const third = await start();
    expect(third.service.output()).toContain('stopped the Temporal dev server a previous run of this data dir left');
    expect(alive(second.devServer)).toBe(false);
    expect((await fetch(`${gateway()}/readyz`)).status).toBe(200);

    process.kill(third.pid, 'SIGTERM');
    expect(await third.service.exited).toBe(0);
    expect(existsSync(serviceFilePath(dataDir))).toBe(false);
    expect(recordedDevServerPid(dataDir)).toBeUndefined();
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 240_000);

  it('restarts a dev server killed under it (the worker and gateway carry on), and gives up after 3 restarts', async () => {
    const { service } = await start();
    const token = await tokenFor('olga', 'operator');
    const call = (route: string, body?: unknown) =>
      fetch(`${gateway()}${route}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const started = await call('/v1/workflows/durabilityProbe', { sleep: '3 seconds', label: 'across-crash' });
    expect(started.status).toBe(201);
    const workflowId = encodeURIComponent(((await started.json()) as { workflowId: string }).workflowId);

    const killDevServer = async () => {
      const pid = recordedDevServerPid(dataDir)!;
      process.kill(pid, 'SIGKILL');
      return pid;
    };
    const killed = await killDevServer();
    const restarted = await waitUntil('a new dev server is recorded', () => {
      const pid = recordedDevServerPid(dataDir);
      return pid !== undefined && pid !== killed && pid;
    });
    await waitUntil('/readyz is 200', async () => (await fetch(`${gateway()}/readyz`)).status === 200);
    // The probe began before the kill; its timer fires on the restarted server and the worker finishes it.
    const outcome = await waitUntil('the probe completes', async () => {
      const response = await call(`/v1/workflows/${workflowId}/result`);
      const body = (await response.json()) as { status?: string };
      return response.status === 200 && body.status === 'COMPLETED' && body;
    });
    expect(outcome).toMatchObject({ status: 'COMPLETED', result: { label: 'across-crash' } });
    expect(service.output()).toMatch(
      /the Temporal dev server stopped \(signal SIGKILL\); restarting it \(attempt 1 of 3\)/,
    );

    // Three more deaths within the window: restarts 2 and 3, then the service gives up, naming the log.
    let last = restarted;
    for (let i = 0; i < 2; i++) {
      await killDevServer();
      const previous = last;
      last = await waitUntil('the dev server is back', () => {
        const pid = recordedDevServerPid(dataDir);
        return pid !== undefined && pid !== previous && pid;
      });
    }
    await killDevServer();
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(
      new RegExp(`arxflow: the Temporal dev server stopped .*giving up \\(its log: ${dataDir}/temporal\\.log\\)`),
    );
    expect(existsSync(serviceFilePath(dataDir))).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 240_000);
});

// The pid file alone, against stand-in processes: only the very process it recorded is stopped,
// and only when the service that ran it is gone.
describe('temporal.pid', () => {
  let dataDir: string;
  const standIns: ChildProcess[] = [];

  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-pidfile-'))));
  afterEach(() => {
    for (const child of standIns.splice(0)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A long-running process whose command line looks like this data dir's dev server. */
  const standIn = async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'start-dev', dataDir], {
      stdio: 'ignore',
    });
    standIns.push(child);
    return waitUntil('the stand-in runs', () => (processIdentity(child.pid!) ? child.pid! : undefined), 5000);
  };
  const writePidFile = (pid: number, identity: string, owner: { pid: number; identity: string }) =>
    writeFileSync(
      path.join(dataDir, 'temporal.pid'),
      JSON.stringify({ pid, identity, owner, startedAt: new Date().toISOString() }),
    );
  const goneOwner = { pid: 999_999, identity: 'start 1 node scripts/start.ts' };

  it('stops the recorded dev server of a service that is gone, and removes the file', async () => {
    const pid = await standIn();
    writePidFile(pid, processIdentity(pid)!, goneOwner);
    expect(await stopLeftoverDevServer(dataDir)).toEqual({ pid });
    expect(processIdentity(pid)).toBeUndefined();
    expect(recordedDevServerPid(dataDir)).toBeUndefined();
  });

  it('leaves alone a process that got the recorded pid but is not the recorded one', async () => {
    const pid = await standIn();
    writePidFile(pid, `start 1 ${processIdentity(pid)!.split(' ').slice(2).join(' ')}`, goneOwner);
    expect(await stopLeftoverDevServer(dataDir)).toBeUndefined();
    expect(processIdentity(pid)).toBeDefined();
    expect(recordedDevServerPid(dataDir)).toBeUndefined(); // the stale file is gone
  });

  it('refuses, naming the service, when the service that runs the dev server still runs', async () => {
    const [pid, owner] = [await standIn(), await standIn()];
    writePidFile(pid, processIdentity(pid)!, { pid: owner, identity: processIdentity(owner)! });
    await expect(stopLeftoverDevServer(dataDir)).rejects.toThrow(
      new RegExp(`belongs to arxflow pid ${owner}, which is still running: stop it first, or set ARXFLOW_DATA_DIR`),
    );
    expect(processIdentity(pid)).toBeDefined();
  });
});

// service.json's gatewayUrl is one the CLI can open, whatever host the gateway listens on.
it('reachableUrl turns a wildcard host into the loopback of its family', () => {
  expect(reachableUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
  expect(reachableUrl('::', 8080)).toBe('http://[::1]:8080');
  expect(reachableUrl('fd00::5', 8080)).toBe('http://[fd00::5]:8080');
  expect(reachableUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
});
