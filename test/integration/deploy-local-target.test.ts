import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalTarget, type LocalTarget } from '../../activities/deploy/local/local-target';
import { groupAlive } from '../../activities/pipelines/process-groups';
import type { LocalTargetConfig } from '../../domain/deploy/deploy-types';
import { InputError } from '../../domain/validation';
import {
  exampleLocalTargetConfig,
  getOnce,
  processesLeftIn,
  startCount,
  startsIn,
  versionsAnswering,
  writeExampleReleases,
  writeExampleTarball,
} from '../support/deploy-test-service';

// The local target with real processes: example-web 1.0.0 (healthy) and 1.1.0 (every second
// request fails) started by the target's supervisor, real HTTP through its proxy, and after each
// test no process left running.

let root: string;
let artifact: string;
let targets: LocalTarget[];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'arxflow-local-target-'));
  artifact = writeExampleReleases(path.join(root, 'artifacts'), [
    { version: '1.0.0', errorRate: 0 },
    { version: '1.1.0', errorRate: 0.5 },
  ]);
  targets = [];
});

afterEach(async () => {
  for (const target of targets) await target.stopAll();
  const dirs = [...new Set(targets.map((target) => target.dir))];
  for (const dir of dirs) expect(processesLeftIn(dir)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

function targetOn(config: LocalTargetConfig, options: { readyTimeoutMs?: number } = {}): LocalTarget {
  const target = createLocalTarget({
    service: 'example-web',
    environment: 'staging',
    config,
    configDir: root,
    dataDir: path.join(root, 'data'),
    ...options,
  });
  targets.push(target);
  return target;
}

async function servingTarget(version = '1.0.0') {
  const config = await exampleLocalTargetConfig(artifact);
  const target = targetOn(config);
  await target.deploy(version);
  await target.setWeight(version, 100);
  return { config, target, publicUrl: `http://127.0.0.1:${config.port}` };
}

function pidsOf(dir: string, version: string): number[] {
  return startsIn(dir)
    .filter((start) => start.version === version)
    .map((start) => start.pid);
}

test('a first deploy starts beside nothing; setWeight 100 makes it serve through the proxy and points current at it', async () => {
  const config = await exampleLocalTargetConfig(artifact);
  const target = targetOn(config);
  expect(target.dir).toBe(path.join(root, 'data', 'deploy', 'example-web', 'staging'));
  expect(await target.serving()).toBeUndefined();
  expect(await target.artifactExists('1.0.0')).toBe(true);
  expect(await target.artifactExists('9.9.9')).toBe(false);

  const deployed = await target.deploy('1.0.0');
  expect(deployed).toEqual({
    baseUrl: `http://127.0.0.1:${config.slotPorts[0]}`,
    publicUrl: `http://127.0.0.1:${config.port}`,
    switched: false,
  });
  expect(await getOnce(`${deployed.baseUrl}/`)).toMatchObject({ status: 200, body: 'hello from 1.0.0\n' });
  expect((await getOnce(`${deployed.publicUrl}/`)).status).toBe(503);
  expect(await target.serving()).toBeUndefined();
  // The release is a copy with the symlinked server.js dereferenced: it does not depend on the artifact.
  expect(lstatSync(path.join(target.dir, 'releases', '1.0.0', 'server.js')).isSymbolicLink()).toBe(false);

  await target.setWeight('1.0.0', 100);
  expect(await target.serving()).toBe('1.0.0');
  expect(readlinkSync(path.join(target.dir, 'current'))).toBe(path.join('releases', '1.0.0'));
  expect(await getOnce(`${deployed.publicUrl}/`)).toMatchObject({ status: 200, body: 'hello from 1.0.0\n' });
  const metrics = (await getOnce(`${deployed.baseUrl}/metrics`)).body;
  expect(metrics).toContain('http_requests_total{code="200",version="1.0.0"} 2');
  expect(metrics).toContain('example_web_info{version="1.0.0"} 1');
});

test('1.1.0 beside at 10% gets exactly 1 request in 10; the switch stops 1.0.0; rollback serves 1.0.0 again and 1.1.0 is gone', async () => {
  const { config, target, publicUrl } = await servingTarget();
  const deployed = await target.deploy('1.1.0');
  expect(deployed.baseUrl).toBe(`http://127.0.0.1:${config.slotPorts[1]}`);
  expect(await getOnce(`${deployed.baseUrl}/healthz`)).toMatchObject({ status: 200, version: '1.1.0' });
  expect(await versionsAnswering(`${publicUrl}/healthz`, 10)).toEqual(Array(10).fill('1.0.0'));

  await target.setWeight('1.1.0', 10);
  const tenPercent = await versionsAnswering(`${publicUrl}/healthz`, 30);
  for (let i = 0; i < 30; i += 10) expect(tenPercent.slice(i, i + 10).filter((v) => v === '1.1.0')).toHaveLength(1);
  expect(await target.serving()).toBe('1.0.0');

  await target.setWeight('1.1.0', 50);
  expect((await versionsAnswering(`${publicUrl}/healthz`, 10)).filter((v) => v === '1.1.0')).toHaveLength(5);

  await target.setWeight('1.1.0', 100);
  expect(await target.serving()).toBe('1.1.0');
  expect(await versionsAnswering(`${publicUrl}/healthz`, 5)).toEqual(Array(5).fill('1.1.0'));
  expect(pidsOf(target.dir, '1.0.0').filter((pid) => groupAlive(pid))).toEqual([]);
  // 1.1.0 is the broken one: half of its answers on / are 500 (deterministically).
  const statuses = await Promise.all([0, 1, 2, 3].map(() => getOnce(`${publicUrl}/`).then((r) => r.status)));
  expect(statuses.filter((status) => status === 500)).toHaveLength(2);

  await target.rollback('1.1.0', '1.0.0');
  expect(await target.serving()).toBe('1.0.0');
  expect(await versionsAnswering(`${publicUrl}/`, 5)).toEqual(Array(5).fill('1.0.0'));
  expect(pidsOf(target.dir, '1.1.0').filter((pid) => groupAlive(pid))).toEqual([]);
  expect(await getOnce(`http://127.0.0.1:${config.slotPorts[1]}/healthz`).catch((err: Error) => err.message)).toMatch(
    /ECONNREFUSED/,
  );
  // 1.0.0 was stopped by the switch, so the rollback started it again: twice in all; 1.1.0 once.
  expect(startCount(target.dir, '1.0.0')).toBe(2);
  expect(startCount(target.dir, '1.1.0')).toBe(1);

  // Rolled back again (the caller's record was lost): nothing changes, nothing starts.
  await target.rollback('1.1.0', '1.0.0');
  expect(startsIn(target.dir)).toHaveLength(3);
});

test('a rollback during the progressive steps keeps the serving process and stops the new one', async () => {
  const { target, publicUrl } = await servingTarget();
  await target.deploy('1.1.0');
  await target.setWeight('1.1.0', 10);
  await target.rollback('1.1.0', '1.0.0');
  expect(await versionsAnswering(`${publicUrl}/healthz`, 10)).toEqual(Array(10).fill('1.0.0'));
  expect(startCount(target.dir, '1.0.0')).toBe(1);
  expect(pidsOf(target.dir, '1.1.0').filter((pid) => groupAlive(pid))).toEqual([]);
});

test('a rollback with nothing before leaves nothing serving', async () => {
  const { target, publicUrl } = await servingTarget('1.1.0');
  await target.rollback('1.1.0', undefined);
  expect(await target.serving()).toBeUndefined();
  expect((await getOnce(`${publicUrl}/`)).status).toBe(503);
  expect(processesLeftIn(target.dir)).toHaveLength(1); // the proxy alone
});

test('every method called twice starts nothing twice; a switch cut short after the symlink is completed', async () => {
  const config = await exampleLocalTargetConfig(artifact);
  const target = targetOn(config);
  const publicUrl = `http://127.0.0.1:${config.port}`;
  expect(await target.deploy('1.0.0')).toEqual(await target.deploy('1.0.0'));
  await target.setWeight('1.0.0', 100);
  await target.setWeight('1.0.0', 100);
  // An attempt that timed out may still run when its retry starts on the same worker.
  await Promise.all([target.deploy('1.1.0'), target.deploy('1.1.0')]);
  await target.setWeight('1.1.0', 10);
  await target.setWeight('1.1.0', 10);
  expect(startCount(target.dir, '1.0.0')).toBe(1);
  expect(startCount(target.dir, '1.1.0')).toBe(1);

  // A worker died inside setWeight(100) right after the symlink switch (1.0.0 still runs).
  const current = path.join(target.dir, 'current');
  symlinkSync(path.join('releases', '1.1.0'), `${current}.crash`);
  renameSync(`${current}.crash`, current);
  expect(pidsOf(target.dir, '1.0.0').filter((pid) => groupAlive(pid))).toHaveLength(1);
  await target.setWeight('1.1.0', 100);
  expect(await target.serving()).toBe('1.1.0');
  expect(await versionsAnswering(`${publicUrl}/healthz`, 5)).toEqual(Array(5).fill('1.1.0'));
  expect(pidsOf(target.dir, '1.0.0').filter((pid) => groupAlive(pid))).toEqual([]);
  await target.setWeight('1.1.0', 100);
  expect(startsIn(target.dir).map((start) => start.version)).toEqual(['1.0.0', '1.1.0']);
});

test('the proxy and the release keep serving when the process that started them is killed; a new target finds them', async () => {
  const config = await exampleLocalTargetConfig(artifact);
  const dataDir = path.join(root, 'data');
  const script = `
    const { createLocalTarget } = require(${JSON.stringify(path.resolve(__dirname, '../../activities/deploy/local/local-target.ts'))});
    const target = createLocalTarget({ service: 'example-web', environment: 'staging', config: ${JSON.stringify(config)},
      configDir: ${JSON.stringify(root)}, dataDir: ${JSON.stringify(dataDir)} });
    target.deploy('1.0.0').then(() => target.setWeight('1.0.0', 100)).then(() => { console.log('ready'); setInterval(() => {}, 1000); });
  `;
  const worker = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const target = targetOn(config); // same folder: cleans up after the test
  const deadline = Date.now() + 30_000;
  while (!output.includes('ready') && worker.exitCode === null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(output).toContain('ready');
  worker.kill('SIGKILL');
  await once(worker, 'exit');

  const publicUrl = `http://127.0.0.1:${config.port}`;
  expect(await getOnce(`${publicUrl}/`)).toMatchObject({ status: 200, body: 'hello from 1.0.0\n' });
  expect(await target.serving()).toBe('1.0.0');
  // The new object adopts what runs: no second proxy, no second start of 1.0.0.
  await target.deploy('1.0.0');
  await target.setWeight('1.0.0', 100);
  expect(startCount(target.dir, '1.0.0')).toBe(1);
  await target.deploy('1.1.0');
  await target.setWeight('1.1.0', 10);
  expect((await versionsAnswering(`${publicUrl}/healthz`, 10)).filter((v) => v === '1.1.0')).toHaveLength(1);
  expect(processesLeftIn(target.dir)).toHaveLength(3); // one proxy, two releases
});

test("stale pid files whose processes are someone else's: those processes are left alone", async () => {
  const config = await exampleLocalTargetConfig(artifact);
  const target = targetOn(config);
  const run = path.join(target.dir, 'run');
  mkdirSync(run, { recursive: true });
  const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const pid = stranger.pid!;
    const staleSlot = { slot: 0, version: '1.0.0', port: config.slotPorts[0], pid, identity: 'start 1', startedAt: '' };
    writeFileSync(path.join(run, 'slot-0.json'), JSON.stringify(staleSlot));
    writeFileSync(path.join(run, 'proxy.json'), JSON.stringify({ pid, port: config.port, startedAt: '' }));

    await target.deploy('1.0.0');
    await target.setWeight('1.0.0', 100);
    expect(await getOnce(`http://127.0.0.1:${config.port}/`)).toMatchObject({ body: 'hello from 1.0.0\n' });
    expect(startCount(target.dir, '1.0.0')).toBe(1);
    await target.rollback('1.0.0', undefined);
    await target.stopAll();
    expect(stranger.exitCode).toBeNull();
    expect(groupAlive(pid) || existsSync(`/proc/${pid}`)).toBe(true);
  } finally {
    stranger.kill('SIGKILL');
  }
});

test('installs a .tgz, clears a half-copied release, refuses a bad version and reports a release that does not start', async () => {
  const config = await exampleLocalTargetConfig(artifact);
  const target = targetOn(config);
  const tarball = writeExampleTarball(root, { version: '2.0.0', errorRate: 0 });
  // What a crash in the middle of a copy leaves: never taken for the release.
  const partial = path.join(target.dir, 'releases', '.partial-2.0.0-1-1');
  mkdirSync(partial, { recursive: true });
  writeFileSync(path.join(partial, 'server.js'), 'half');

  expect(await target.artifactExists('2.0.0', tarball)).toBe(true);
  const deployed = await target.deploy('2.0.0', tarball);
  expect(await getOnce(`${deployed.baseUrl}/`)).toMatchObject({ status: 200, body: 'hello from 2.0.0\n' });
  expect(existsSync(partial)).toBe(false);
  expect(existsSync(path.join(target.dir, 'releases', '2.0.0', 'release.json'))).toBe(true);

  await expect(target.deploy('../escape')).rejects.toThrow(InputError);
  expect(() => targetOn({ ...config, slotPorts: [config.port, config.slotPorts[1]] })).toThrow(/target.slotPorts/);
  await expect(target.setWeight('2.0.0', 101)).rejects.toThrow(/weight/);
  await expect(target.deploy('3.0.0')).rejects.toThrow(/artifact of version 3.0.0 does not exist/);

  const broken = targetOn(
    await exampleLocalTargetConfig(artifact, { dir: 'broken', start: 'echo cannot start >&2; exit 3' }),
  );
  await expect(broken.deploy('1.0.0')).rejects.toThrow(/exited with code 3[\s\S]*cannot start/);
  expect(broken.dir).toBe(path.join(root, 'broken'));
  expect(existsSync(path.join(broken.dir, 'run', 'slot-0.json'))).toBe(false);
  expect(startCount(broken.dir, '1.0.0')).toBe(1);
});
