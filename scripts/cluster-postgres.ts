// The cluster's own PostgreSQL (Debian's binaries), in `<data dir>/postgres`: initdb once,
// pg_ctl to start and stop. It listens on 127.0.0.1 at a free port and on a Unix socket in
// the data dir; the socket (the superuser, trust) is only for setting up roles and databases,
// TCP asks for a password (scram-sha-256). PostgreSQL refuses to run as root, so as root the
// server runs as the `postgres` user that Debian's package creates.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { stateFiles } from './cluster-layout';

type Files = ReturnType<typeof stateFiles>;

export interface PostgresAccess {
  port: number;
  /** Password of the `temporal` role (Temporal's two databases). */
  temporalPassword: string;
  /** Password of the `arxflow` role (arxflow's store, database `arxflow`). */
  arxflowPassword: string;
}

/** The newest PostgreSQL of Debian's packages: /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  if (!majors.length)
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `bash scripts/provision.sh cluster`',
    );
  return path.join(root, majors[majors.length - 1]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL server program as the user that may run it. */
function pgRun(program: string, args: string[]): string {
  const bin = path.join(postgresBinDir(), program);
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ownForServer(target: string): void {
  if (!asRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(target, uid, gid);
}

export function postgresRunning(files: Files): boolean {
  if (!existsSync(path.join(files.postgres, 'PG_VERSION'))) return false;
  try {
    pgRun('pg_ctl', ['status', '-D', files.postgres]);
    return true;
  } catch {
    return false; // pg_ctl status exits 3 when no server runs
  }
}

/** initdb when new, start when stopped, then the roles and databases (idempotent). */
export async function startPostgres(files: Files, access: PostgresAccess): Promise<void> {
  mkdirSync(files.root, { recursive: true });
  mkdirSync(files.logs, { recursive: true });
  // The `postgres` user must pass through the data dir (mkdtemp makes it 0700): search only, no listing.
  if (asRoot) chmodSync(files.root, statSync(files.root).mode | 0o711);
  if (!existsSync(path.join(files.postgres, 'PG_VERSION'))) {
    mkdirSync(files.postgres, { recursive: true, mode: 0o700 });
    ownForServer(files.postgres);
    pgRun('initdb', [
      '-D',
      files.postgres,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ]);
  }
  mkdirSync(files.postgresSocketDir, { recursive: true });
  ownForServer(files.postgresSocketDir);
  const logFile = path.join(files.logs, 'postgres.log');
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  ownForServer(logFile);
  if (!postgresRunning(files)) {
    const options = `-p ${access.port} -k ${files.postgresSocketDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    pgRun('pg_ctl', ['start', '-D', files.postgres, '-l', logFile, '-w', '-t', '60', '-o', options]);
  }
  await waitReady(files, access.port);
  setUpRolesAndDatabases(files, access);
}

export function stopPostgres(files: Files): boolean {
  if (!postgresRunning(files)) return false;
  pgRun('pg_ctl', ['stop', '-D', files.postgres, '-m', 'fast', '-w', '-t', '60']);
  return true;
}

/** SQL as the superuser over the data dir's socket. */
export function psql(files: Files, port: number, sql: string, database = 'postgres'): string {
  return execFileSync(
    path.join(postgresBinDir(), 'psql'),
    [
      '-h',
      files.postgresSocketDir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-qtAc',
      sql,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

async function waitReady(files: Files, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      psql(files, port, 'SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not answer on port ${port}: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

/** Roles `temporal` (creates its own databases with temporal-sql-tool) and `arxflow`, and arxflow's database. */
function setUpRolesAndDatabases(files: Files, access: PostgresAccess): void {
  const role = (name: string, password: string, extra: string) =>
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} LOGIN ${extra}; END IF;
       ALTER ROLE ${name} PASSWORD '${password.replace(/'/g, "''")}';
     END $$;`;
  psql(files, access.port, role('temporal', access.temporalPassword, 'CREATEDB'));
  psql(files, access.port, role('arxflow', access.arxflowPassword, ''));
  if (psql(files, access.port, "SELECT 1 FROM pg_database WHERE datname = 'arxflow'") !== '1')
    psql(files, access.port, 'CREATE DATABASE arxflow OWNER arxflow');
}
