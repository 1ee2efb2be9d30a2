import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { removeDevServerPidFile, writeDevServerPidFile } from './dev-server-pid';
import { listProcesses, processIdentity } from '../platform/process-identity';
import { temporalCliExecutable, type ServerExecutable } from './temporal-tools';
import { spawnTiedChild } from './tied-child';

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
  /** The server's pid, as written to `<dataDir>/temporal.pid` (undefined if the SDK's server was not found). */
  pid?: number;
  /** Resolves, saying how, when the server ends without `stop()` (a crash, a kill). */
  exited: Promise<string>;
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
 * Dynamic config of every dev server arxflow starts (`npm start`, the tests, the benches, the
 * chaos worlds). The history service reads each new task (an activity or workflow task to hand
 * to a worker) through a queue reader limited to 20 reads a second per shard, and the dev
 * server has one shard: past a burst, every hop of a workflow waited up to 50 ms for its read,
 * both processes idle. A sync commit (an Update and four activities) took 400 ms, p50 68 ms
 * at 1,000 (bench/sync.ts); a bare Update running four activities, outside arxflow, 400 ms and
 * 45 ms. The cluster sets the same (config/temporal/dynamicconfig/development-postgres.yaml).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = { 'history.transferProcessorMaxPollRPS': 1000 } as const;

/** `--dynamic-config-value key=value` flags for DEV_SERVER_DYNAMIC_CONFIG. */
export function devServerDynamicConfigFlags(): string[] {
  return Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}

/**
 * The server options of `TestWorkflowEnvironment.createLocal` for an in-memory dev server of a
 * bench or a script: the CLI, arxflow's search attributes, DEV_SERVER_DYNAMIC_CONFIG, `extraArgs`.
 */
export function localDevServerOptions(extraArgs: string[] = []) {
  return {
    executable: temporalCliExecutable(),
    searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES,
    extraArgs: [...devServerDynamicConfigFlags(), ...extraArgs],
  };
}

/**
 * Runs `temporal server start-dev` on a SQLite file in the data dir, so open workflows
 * survive a restart. The server ends with this process, even on kill -9 (scripts/tied-child.ts),
 * and is recorded in `<dataDir>/temporal.pid` (scripts/dev-server-pid.ts). Without a CLI binary,
 * falls back to the SDK's downloaded dev server.
 */
export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const dbFilename = path.resolve(options.dataDir, 'temporal.sqlite');
  const logFile = path.resolve(options.dataDir, 'temporal.log');
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://localhost:${options.uiPort}`;
  if (options.executable.type === 'cached-download')
    return startSdkDevServer(options, { dbFilename, logFile, address, uiUrl });

  const server = spawnTiedChild(
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
      ...devServerDynamicConfigFlags(),
      ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    ],
    logFile,
  );
  const pid = server.child.pid!;
  let stopping = false;
  const exited = server.exited.then(({ code, signal }) => {
    removeDevServerPidFile(options.dataDir, pid); // stopped or crashed: either way no longer there to find
    return signal ? `signal ${signal}` : `exit code ${code}`;
  });
  const stop = async () => {
    stopping = true;
    await server.stop();
    await exited;
  };

  const ready = await Promise.race([waitForFrontend(address, 60_000), exited.then(() => false)]);
  if (!ready) {
    await stop();
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`Temporal dev server did not come up on ${address} (log: ${logFile}):\n${tail}`);
  }
  writeDevServerPidFile(options.dataDir, pid);
  return {
    address,
    uiUrl,
    logFile,
    pid,
    exited: exited.then((how) => (stopping ? new Promise<string>(() => {}) : how)),
    stop,
  };
}

/**
 * The SDK's downloaded dev server. Its process is started by the SDK's core, out of our reach:
 * it cannot be tied to this process, so it is only recorded in the pid file (found as our child
 * running this data dir's SQLite file), for the next start to stop should it outlive us.
 */
async function startSdkDevServer(
  options: DevServerOptions,
  where: { dbFilename: string; logFile: string; address: string; uiUrl: string },
): Promise<RunningDevServer> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename: where.dbFilename,
      ip: '127.0.0.1',
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      namespace: options.namespace,
      searchAttributes: ARXFLOW_SEARCH_ATTRIBUTES,
      extraArgs: [
        ...devServerDynamicConfigFlags(),
        ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
      ],
    },
  });
  const pid = listProcesses().find((entry) => entry.ppid === process.pid && entry.args.includes(where.dbFilename))?.pid;
  const identity = pid ? processIdentity(pid) : undefined;
  if (pid) writeDevServerPidFile(options.dataDir, pid);
  let stopping = false;
  let poll: NodeJS.Timeout | undefined;
  // No exit event from the SDK: look every 2 s whether the recorded process is still there.
  const exited = new Promise<string>((resolve) => {
    if (!pid || !identity) return;
    poll = setInterval(() => {
      if (!stopping && processIdentity(pid) !== identity) {
        clearInterval(poll);
        resolve('the process ended');
      }
    }, 2000);
    poll.unref();
  });
  const stop = async () => {
    stopping = true;
    clearInterval(poll);
    await env.teardown();
    if (pid) removeDevServerPidFile(options.dataDir, pid);
  };
  return { address: where.address, uiUrl: where.uiUrl, logFile: where.logFile, pid, exited, stop };
}

async function waitForFrontend(address: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // A channel of its own: grpc-js shares one between clients of equal options, and a shared one
      // may sit in a long reconnect backoff from before a restart while the new server already answers.
      const connection = await Connection.connect({
        address,
        connectTimeout: 1000,
        channelArgs: { 'grpc.use_local_subchannel_pool': 1 },
      });
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
