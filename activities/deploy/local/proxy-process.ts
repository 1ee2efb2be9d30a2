import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { terminateGroup } from '../../pipelines/process-groups';
import { readJson, writeFileAtomic, type LocalLayout } from './local-layout';
import { commandLineOf } from '../../../platform/process-identity';
import { assertPortFree } from '../../../platform/ports';
import { logTail, sleep } from './local-processes';

/** Plain JavaScript, run by node itself (no tsx): the proxy must keep running with no worker around. */
const PROXY_SCRIPT = path.join(__dirname, 'proxy.cjs');
const PROXY_START_TIMEOUT_MS = 10_000;

/** run/proxy.json, written by the proxy once it listens. */
interface ProxyRecord {
  pid: number;
  port: number;
  startedAt: string;
}

/** One backend of run/routes.json: `weight` percent of the requests go to `version` on `port`. */
export interface Route {
  version: string;
  port: number;
  weight: number;
}

/**
 * The proxy of this folder if it runs: the recorded pid's command line is `node .../proxy.cjs
 * <this run dir> <port>` (a pid reused by anything else does not match, and is left alone).
 */
export function liveProxy(layout: LocalLayout): ProxyRecord | undefined {
  const record = readJson<ProxyRecord>(layout.proxyFile);
  if (!record) return undefined;
  const args = commandLineOf(record.pid);
  const ours =
    args.length >= 3 &&
    path.basename(args[args.length - 3] ?? '') === 'proxy.cjs' &&
    args[args.length - 2] === layout.run &&
    args[args.length - 1] === String(record.port);
  return ours ? record : undefined;
}

/**
 * The proxy on `port`, started unless it runs (one per folder, found again through run/proxy.json
 * by any later target object). Detached in its own process group, like the releases.
 */
export async function ensureProxy(layout: LocalLayout, port: number, stopTimeoutMs: number): Promise<ProxyRecord> {
  const live = liveProxy(layout);
  if (live && live.port === port) return live;
  if (live) await stopProxy(layout, stopTimeoutMs); // the config moved the public port
  await assertPortFree(port, '127.0.0.1', `the public port of ${layout.root}`, 'choose another port');
  const log = openSync(layout.proxyLog, 'a');
  let child;
  try {
    child = spawn(process.execPath, [PROXY_SCRIPT, layout.run, String(port)], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  } finally {
    closeSync(log);
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  child.unref();
  const deadline = Date.now() + PROXY_START_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    const record = readJson<ProxyRecord>(layout.proxyFile);
    if (record && record.pid === child.pid) return record;
    await sleep(25);
  }
  if (!exited && child.pid) await terminateGroup(child.pid, stopTimeoutMs);
  const tail = logTail(layout.proxyLog);
  throw new Error(`the proxy on port ${port} did not start${tail ? `; its log ends:\n${tail}` : ''}`);
}

export async function stopProxy(layout: LocalLayout, stopTimeoutMs: number): Promise<void> {
  const live = liveProxy(layout);
  if (live) await terminateGroup(live.pid, stopTimeoutMs);
  rmSync(layout.proxyFile, { force: true });
}

export function readRoutes(layout: LocalLayout): Route[] | undefined {
  return readJson<{ backends: Route[] }>(layout.routesFile)?.backends;
}

/** Replaces the proxy's routes (write + rename; the proxy reads them on its next request). Unchanged routes are not rewritten. */
export function writeRoutes(layout: LocalLayout, routes: Route[]): void {
  const content = `${JSON.stringify({ backends: routes }, null, 2)}\n`;
  if (JSON.stringify(readRoutes(layout)) === JSON.stringify(routes)) return;
  writeFileAtomic(layout.routesFile, content);
}
