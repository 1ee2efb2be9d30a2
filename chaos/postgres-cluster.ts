import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/ports';

/**
 * A PostgreSQL cluster of the chaos run's own, in a temp dir, with Debian's initdb and pg_ctl
 * (/usr/lib/postgresql/<version>/bin): the store outage stops and starts it, which must never
 * touch a server someone else uses (the CI's, a developer's). PostgreSQL refuses to run as
 * root, so under root the cluster runs as the `postgres` user.
 */
export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, loopback only). */
  databaseUrl: string;
  port: number;
  /** Stops the server (fast shutdown: open connections are cut, as in an outage). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-chaos-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const [command, ...rest] = asRoot
        ? ['runuser', '-u', 'postgres', '--', path.join(bin, tool), ...args]
        : [path.join(bin, tool), ...args];
      const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited ${code}: ${output}`))));
    });
  const port = await freePort();
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'postgres.log'), '-w', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  let running = true;
  // A chaos run that dies without cleaning up must not leave a server behind (it is no child of ours).
  const stopOnExit = () => {
    if (!running) return;
    const [command, ...rest] = asRoot
      ? ['runuser', '-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']
      : [path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
    try {
      execFileSync(command!, rest, { stdio: 'ignore' });
    } catch {
      // already stopped
    }
  };
  process.once('exit', stopOnExit);
  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      process.removeListener('exit', stopOnExit);
      if (running) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest installed version's bin dir. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    // handled below
  }
  if (versions.length === 0)
    throw new Error(`no PostgreSQL under ${root}: install Debian's postgresql package (apt-get install postgresql)`);
  return path.join(root, versions[0]!, 'bin');
}
