import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { freePort } from '../../scripts/ports';
import path from 'node:path';
import { groupAlive } from '../../activities/pipelines/process-groups';
import type { LocalTargetConfig } from '../../domain/deploy/deploy-types';

/**
 * The example service (examples/deploy/example-web) in whatever versions a test needs, and what
 * tests of the local target look at afterwards: starts, and processes left running.
 */

/** The one source file of every example-web version. */
export const EXAMPLE_WEB_SERVER = require.resolve('../../examples/deploy/example-web/server.js');

export interface TestRelease {
  version: string;
  /** The share of requests to `/` that answer 500 (0.5: every second one). */
  errorRate: number;
}

/**
 * Writes `<root>/<version>/` (release.json + a copy of server.js) for each release and returns
 * the artifact template `<root>/{{version}}` for a LocalTargetConfig.
 */
export function writeExampleReleases(root: string, releases: TestRelease[]): string {
  for (const release of releases) {
    const dir = path.join(root, release.version);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'release.json'), `${JSON.stringify(release)}\n`);
    copyFileSync(EXAMPLE_WEB_SERVER, path.join(dir, 'server.js'));
  }
  return path.join(root, '{{version}}');
}

/** `<root>/example-web-<version>.tgz` holding the release in a top-level folder, as release tarballs usually do. */
export function writeExampleTarball(root: string, release: TestRelease): string {
  const staging = path.join(root, `tarball-${release.version}`);
  writeExampleReleases(staging, [release]);
  const file = path.join(root, `example-web-${release.version}.tgz`);
  execFileSync('tar', ['-czf', file, '-C', staging, release.version]);
  return file;
}

/**
 * Distinct free loopback ports (freePort's: below the ephemeral range, never one this process
 * handed out already): a slot is bound long after it is chosen, and meanwhile the client
 * connections of health checks and analysis load take ephemeral ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}

/** A `local` target config for example-web: the public port and both slots on free ports, node as this test runs it. */
export async function exampleLocalTargetConfig(
  artifact: string,
  overrides: Partial<LocalTargetConfig> = {},
): Promise<LocalTargetConfig> {
  const [port, blue, green] = (await freePorts(3)) as [number, number, number];
  return {
    type: 'local',
    artifact,
    start: `exec "${process.execPath}" server.js`,
    port,
    slotPorts: [blue, green],
    stopTimeout: '5s',
    ...overrides,
  };
}

export interface RecordedStart {
  version: string;
  pid: number;
}

/** Every process start of a local target folder (run/starts.log), oldest first. */
export function startsIn(targetDir: string): RecordedStart[] {
  const file = path.join(targetDir, 'run', 'starts.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const match = / start (\S+) .* pid=(\d+)$/.exec(line);
      return match ? [{ version: match[1]!, pid: Number(match[2]) }] : [];
    });
}

/** How many times `version` was started in the folder. */
export function startCount(targetDir: string, version: string): number {
  return startsIn(targetDir).filter((start) => start.version === version).length;
}

/** The proxies ever started for the folder (from their log lines). */
export function proxyPidsIn(targetDir: string): number[] {
  const file = path.join(targetDir, 'run', 'proxy.log');
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf8').matchAll(/^proxy (\d+) listening/gm)].map((match) => Number(match[1]));
}

/** Process groups the target started in the folder (releases and proxies) that still run: [] after a clean stop. */
export function processesLeftIn(targetDir: string): number[] {
  return [...startsIn(targetDir).map((start) => start.pid), ...proxyPidsIn(targetDir)].filter((pid) => groupAlive(pid));
}

/** GET `url` on a connection of its own (no pooled socket outlives the test): status, body and the answering version. */
export function getOnce(url: string): Promise<{ status: number; body: string; version?: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const version = response.headers['x-example-web-version'];
        resolve({ status: response.statusCode ?? 0, body, version: typeof version === 'string' ? version : undefined });
      });
    });
    request.setTimeout(5_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.once('error', reject);
  });
}

/** The versions that answered `count` sequential requests to `url`. */
export async function versionsAnswering(url: string, count: number): Promise<string[]> {
  const versions: string[] = [];
  for (let i = 0; i < count; i++) versions.push((await getOnce(url)).version ?? '(none)');
  return versions;
}
