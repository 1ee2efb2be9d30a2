import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { ServerExecutable } from './temporal-tools';

export interface DevServerOptions {
  executable: ServerExecutable;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The gateway's codec server, so the Web UI can show encrypted payloads. */
  codecEndpoint?: string;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `--search-attribute Name=Type` flags for every arxflow search attribute. */
export function searchAttributeFlags(): string[] {
  return ARXFLOW_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

/**
 * Runs `temporal server start-dev` on a SQLite file in the data dir, so open workflows
 * survive a restart. Without a CLI binary, falls back to the SDK's downloaded dev server.
 */
export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const dbFilename = path.resolve(options.dataDir, 'temporal.sqlite');
  const logFile = path.resolve(options.dataDir, 'temporal.log');
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://localhost:${options.uiPort}`;

  if (options.executable.type === 'cached-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        dbFilename,
        ip: '127.0.0.1',
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        namespace: options.namespace,
        searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES,
        extraArgs: options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : [],
      },
    });
    return { address, uiUrl, logFile, stop: () => env.teardown() };
  }

  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    options.executable.path,
    [
      'server',
      'start-dev',
      '--db-filename',
      dbFilename,
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--ui-port',
      String(options.uiPort),
      '--namespace',
      options.namespace,
      '--log-level',
      'warn',
      ...searchAttributeFlags(),
      ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    log.end();
  };

  const ready = await Promise.race([waitForFrontend(address, 60_000), exited.then(() => false)]);
  if (!ready) {
    await stop();
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`Temporal dev server did not come up on ${address} (log: ${logFile}):\n${tail}`);
  }
  return { address, uiUrl, logFile, stop };
}

async function waitForFrontend(address: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return false;
}
