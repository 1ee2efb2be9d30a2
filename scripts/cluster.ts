// `npm run cluster`: arxflow on a Temporal Server cluster, on this machine, in the background.
// PostgreSQL (its own, in the data dir), Temporal Server (frontend, history, matching, worker:
// one process, or one each with --split), two arxflow worker processes, the gateway, and the
// standalone Web UI server with the gateway as its codec server. Exits 0 once all of it answers.
// `npm run cluster -- stop` stops all of it. docs/production.md says what each part is.
//
// The same variables as `npm start`: ARXFLOW_TEMPORAL_PORT (frontend), ARXFLOW_TEMPORAL_UI_PORT,
// ARXFLOW_PORT (gateway), ARXFLOW_DATA_DIR (state; here .arxflow-cluster unless set).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { parseSettings, type Settings } from '../domain/settings';
import { AnchorKey } from '../db/audit-log';
import { openStore } from '../db/store';
import { InputError } from '../domain/validation';
import { codecsFor, dataConverterOf } from '../platform/codec/data-converter';
import { assertPortFree } from '../platform/ports';
import { freePort } from './ports';
import {
  clusterTools,
  CONFIG_DIR,
  DYNAMIC_CONFIG,
  REPO_ROOT,
  SERVER_CONFIG_ENV,
  stateFiles,
  UI_CONFIG_DIR,
  UI_CONFIG_ENV,
} from './cluster-layout';
import {
  isRunning,
  recordedNames,
  runningProcesses,
  startDetached,
  stopProcesses,
  type StartedProcess,
} from './cluster-processes';
import { postgresRunning, psql, startPostgres, stopPostgres, type PostgresAccess } from './cluster-postgres';
import { applySchemas, freeLowPort, registerNamespace, TEMPORAL_SERVICES, waitForFrontend } from './cluster-temporal';
import { newOidcSecrets, oidcProviderSetup, type OidcSecrets } from './cluster-oidc';

const DEFAULT_DATA_DIR = '.arxflow-cluster';
const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

interface Options {
  split: boolean;
  workers: number;
}

/** Kept in the data dir, mode 600: the same passwords and keys at every start of this cluster. */
interface Secrets {
  postgres: PostgresAccess;
  auditKey: string;
  identityKeys: string;
  /** The local OpenID provider's client secret, keys and test users' passwords (scripts/cluster-oidc.ts). */
  oidc?: OidcSecrets;
}

/** What runs where (`<data dir>/cluster.json`), printed by a second `npm run cluster` and read by the tests. */
export interface ClusterState {
  dataDir: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  gatewayUrl: string;
  webUiUrl: string;
  /** The local OpenID provider the Web UI logs in with (scripts/cluster-oidc.ts). */
  oidcIssuer: string;
  /** The Web UI's codec endpoint: the gateway's TLS listener (the UI passes access tokens to https only). */
  codecUrl: string;
  databaseUrl: string;
  postgresPort: number;
  split: boolean;
  workers: { name: string; pid: number; metricsUrl: string; log: string }[];
  processes: string[];
  startedAt: string;
}

function clusterEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ARXFLOW_DATA_DIR: path.resolve(process.env.ARXFLOW_DATA_DIR || DEFAULT_DATA_DIR) };
}

function parseOptions(args: string[]): Options {
  const options: Options = { split: false, workers: 2 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--split') options.split = true;
    else if (arg === '--workers') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 16)
        throw new InputError('--workers: must be a whole number from 1 to 16');
      options.workers = n;
    } else
      throw new InputError(
        `unknown argument ${arg} (usage: npm run cluster [-- start [--split] [--workers N] | stop | status])`,
      );
  }
  return options;
}

async function main(): Promise<void> {
  const [command = 'start', ...rest] = process.argv.slice(2);
  let settings: Settings;
  let options: Options;
  try {
    settings = parseSettings(clusterEnv());
    options = parseOptions(command.startsWith('--') ? [command, ...rest] : rest);
  } catch (err) {
    console.error(`arxflow cluster: ${(err as Error).message}`);
    process.exit(err instanceof InputError ? 2 : 1);
  }
  if (command === 'stop') return stopCluster(settings.dataDir);
  if (command === 'status') return printStatus(settings.dataDir);
  if (command !== 'start' && !command.startsWith('--')) {
    console.error(`arxflow cluster: unknown command ${command} (start, stop or status)`);
    process.exit(2);
  }
  await startCluster(settings, options);
}

async function stopCluster(dataDir: string): Promise<void> {
  const files = stateFiles(dataDir);
  // Front to back: nothing talks to a part that is already gone (UI and gateway, workers, Temporal).
  const order = (name: string) =>
    name === 'web-ui' || name === 'gateway' || name === 'oidc-provider'
      ? 0
      : name.startsWith('arxflow-worker')
        ? 1
        : name === 'temporal-frontend' || name === 'temporal'
          ? 2
          : 3;
  const stopped = await stopProcesses(files.pids, order);
  const pg = stopPostgres(files);
  if (!stopped.length && !pg) console.log(`arxflow cluster: nothing was running (${files.root})`);
  else console.log(`arxflow cluster: stopped ${[...stopped, ...(pg ? ['postgres'] : [])].join(', ')}`);
}

function printStatus(dataDir: string): void {
  const files = stateFiles(dataDir);
  const running = runningProcesses(files.pids).map((p) => p.name);
  const pg = postgresRunning(files);
  console.log(
    JSON.stringify({ dataDir: files.root, postgres: pg, running, recorded: recordedNames(files.pids) }, null, 2),
  );
}

function loadOrCreateSecrets(file: string, pgPort: () => Promise<number>): Promise<Secrets> {
  if (existsSync(file)) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as Secrets);
  return pgPort().then((port) => {
    const secrets: Secrets = {
      postgres: {
        port,
        temporalPassword: randomBytes(18).toString('base64url'),
        arxflowPassword: randomBytes(18).toString('base64url'),
      },
      auditKey: randomBytes(32).toString('base64url'),
      identityKeys: `cluster:${randomBytes(32).toString('base64')}`,
    };
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return secrets;
  });
}

async function startCluster(settings: Settings, options: Options): Promise<void> {
  const files = stateFiles(settings.dataDir);
  const expected = [
    ...(options.split ? TEMPORAL_SERVICES.map((s) => `temporal-${s}`) : ['temporal']),
    ...Array.from({ length: options.workers }, (_, i) => `arxflow-worker-${i + 1}`),
    'gateway',
    'oidc-provider',
    'web-ui',
  ];
  const running = runningProcesses(files.pids).map((p) => p.name);
  if (running.length && existsSync(files.state) && postgresRunning(files)) {
    const state = JSON.parse(readFileSync(files.state, 'utf8')) as ClusterState;
    const wanted = [
      ...(state.split ? TEMPORAL_SERVICES.map((s) => `temporal-${s}`) : ['temporal']),
      ...state.workers.map((w) => w.name),
      'gateway',
      'oidc-provider',
      'web-ui',
    ];
    if (wanted.every((name) => running.includes(name))) {
      console.log(`arxflow cluster: already running (${files.root}); \`npm run cluster -- stop\` stops it`);
      printWhere(state);
      return;
    }
  }
  if (running.length) {
    console.log(`arxflow cluster: only ${running.join(', ')} of the cluster run: stopping them to start it whole`);
    await stopCluster(settings.dataDir);
  }

  const started = Date.now();
  // The tools, quiet when in place (the first run builds the server: minutes).
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'provision-temporal-server.sh')], { stdio: 'inherit' });
  const tools = clusterTools();

  const frontendPort = settings.devServer.port;
  const uiPort = settings.devServer.uiPort;
  try {
    await assertPortFree(
      frontendPort,
      '127.0.0.1',
      'ARXFLOW_TEMPORAL_PORT',
      'set ARXFLOW_TEMPORAL_PORT to another port',
    );
    await assertPortFree(
      uiPort,
      '127.0.0.1',
      'ARXFLOW_TEMPORAL_UI_PORT',
      'set ARXFLOW_TEMPORAL_UI_PORT to another port',
    );
    await assertPortFree(
      settings.gatewayPort,
      settings.gatewayHost,
      'ARXFLOW_PORT',
      'set ARXFLOW_PORT to another port',
    );
  } catch (err) {
    console.error(`arxflow cluster: ${(err as Error).message}`);
    process.exit(2);
  }

  const { mkdirSync } = await import('node:fs');
  mkdirSync(files.root, { recursive: true });
  const secrets = await loadOrCreateSecrets(files.secrets, () => freePort());
  // The PostgreSQL port of an earlier start, unless something else took it meanwhile.
  if (!postgresRunning(files)) {
    try {
      await assertPortFree(secrets.postgres.port, '127.0.0.1', 'PostgreSQL', '');
    } catch {
      secrets.postgres.port = await freePort();
      writeFileSync(files.secrets, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    }
  }

  // Clusters started before the Web UI had a login have no OIDC secrets yet.
  if (!secrets.oidc) {
    secrets.oidc = newOidcSecrets();
    writeFileSync(files.secrets, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  const oidcSecrets = secrets.oidc;

  const failed = async (err: unknown) => {
    console.error(`arxflow cluster: cannot start: ${(err as Error).message}`);
    for (const p of runningProcesses(files.pids)) console.error(`  log of ${p.name}: ${p.logFile}`);
    await stopCluster(settings.dataDir);
    process.exit(1);
  };

  try {
    await startPostgres(files, secrets.postgres);
    applySchemas(tools, files, secrets.postgres.port, secrets.postgres.temporalPassword);

    const temporalAddress = `127.0.0.1:${frontendPort}`;
    const port = () => freeLowPort().then(String);
    const serverEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ARXFLOW_CLUSTER_PG_PORT: String(secrets.postgres.port),
      ARXFLOW_CLUSTER_PG_PASSWORD: secrets.postgres.temporalPassword,
      ARXFLOW_CLUSTER_FRONTEND_PORT: String(frontendPort),
      ARXFLOW_CLUSTER_FRONTEND_HTTP_PORT: await port(),
      ARXFLOW_CLUSTER_FRONTEND_MEMBERSHIP_PORT: await port(),
      ARXFLOW_CLUSTER_HISTORY_PORT: await port(),
      ARXFLOW_CLUSTER_HISTORY_MEMBERSHIP_PORT: await port(),
      ARXFLOW_CLUSTER_MATCHING_PORT: await port(),
      ARXFLOW_CLUSTER_MATCHING_MEMBERSHIP_PORT: await port(),
      ARXFLOW_CLUSTER_WORKER_PORT: await port(),
      ARXFLOW_CLUSTER_WORKER_MEMBERSHIP_PORT: await port(),
      ARXFLOW_CLUSTER_METRICS_PORT: await port(),
      ARXFLOW_CLUSTER_DYNAMIC_CONFIG: DYNAMIC_CONFIG,
    };
    const serverArgs = (services: readonly string[]) => [
      '--root',
      '/',
      '--config',
      CONFIG_DIR,
      '--env',
      SERVER_CONFIG_ENV,
      '--allow-no-auth',
      'start',
      ...services.flatMap((s) => ['--service', s]),
    ];
    /** One of the repository's TypeScript programs (`script`, from the repository's root) as a cluster process. */
    const startScript = (name: string, script: string, env: NodeJS.ProcessEnv) =>
      startDetached(
        files.pids,
        files.logs,
        name,
        process.execPath,
        ['--import', TSX_LOADER, path.join(REPO_ROOT, script)],
        env,
        process.cwd(),
      );
    const startServer = (name: string, services: readonly string[]) =>
      startDetached(files.pids, files.logs, name, tools.temporalServer, serverArgs(services), serverEnv, files.root);
    const servers: StartedProcess[] = [];
    if (options.split) {
      // The first process writes the cluster's metadata into a new database; the others, started
      // at the same moment, would race it (duplicate key on cluster_metadata_info, and exit).
      const [first, ...others] = TEMPORAL_SERVICES;
      servers.push(startServer(`temporal-${first}`, [first]));
      await waitForClusterMetadata(files, secrets.postgres.port, () => !isRunning(files.pids, `temporal-${first}`));
      for (const service of others) servers.push(startServer(`temporal-${service}`, [service]));
    } else servers.push(startServer('temporal', TEMPORAL_SERVICES));
    const serverGone = () => {
      const dead = servers.find((s) => !isRunning(files.pids, s.name));
      return dead && `${dead.name} exited; the end of ${dead.logFile}:\n${tail(dead.logFile)}`;
    };
    await waitForFrontend(temporalAddress, 120_000, serverGone);
    const attributes = await registerNamespace(temporalAddress, settings.namespace);

    const databaseUrl = `postgres://arxflow:${secrets.postgres.arxflowPassword}@127.0.0.1:${secrets.postgres.port}/arxflow`;
    const arxflowEnv: NodeJS.ProcessEnv = {
      ...clusterEnv(),
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      // Every worker and the gateway of one database share these (workers/main.ts sharedKeyWarnings).
      ARXFLOW_AUDIT_KEY: process.env.ARXFLOW_AUDIT_KEY || secrets.auditKey,
      ARXFLOW_IDENTITY_KEYS: process.env.ARXFLOW_IDENTITY_KEYS || secrets.identityKeys,
    };
    // arxflow's migrations once, before its processes start: on a new database each would run
    // them at the same moment, and concurrent CREATEs collide (duplicate key on pg_type).
    const store = await openStore({ databaseUrl }, { auditKey: new AnchorKey(arxflowEnv.ARXFLOW_AUDIT_KEY!) });
    await store.close();
    const workers: ClusterState['workers'] = [];
    for (let i = 1; i <= options.workers; i++) {
      const name = `arxflow-worker-${i}`;
      const metricsPort = await freePort();
      const env = {
        ...arxflowEnv,
        ARXFLOW_DATA_DIR: path.join(files.root, name),
        ARXFLOW_METRICS_PORT: String(metricsPort),
      };
      const proc = startScript(name, path.join('workers', 'main.ts'), env);
      workers.push({ name, pid: proc.pid, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, log: proc.logFile });
    }
    // The Web UI's login: the local OpenID provider, started before the UI server (which reads its discovery at start).
    const oidc = oidcProviderSetup(
      files.root,
      { provider: await freePort(), ui: uiPort, codecTls: await freePort() },
      oidcSecrets,
    );
    const oidcProvider = startScript('oidc-provider', path.join('scripts', 'cluster-oidc.ts'), oidc.providerEnv);
    // The gateway also accepts the provider's access tokens (platform/oidc-tokens.ts): the codec server stamps that person.
    const gatewayEnv = { ...arxflowEnv, ...oidc.gatewayEnv, ARXFLOW_METRICS_PORT: String(await freePort()) };
    const gateway = startScript('gateway', path.join('scripts', 'cluster-gateway.ts'), gatewayEnv);
    const gatewayUrl = `http://${settings.gatewayHost === '0.0.0.0' ? '127.0.0.1' : settings.gatewayHost}:${settings.gatewayPort}`;
    const uiEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ARXFLOW_CLUSTER_FRONTEND_ADDRESS: temporalAddress,
      ARXFLOW_CLUSTER_UI_PORT: String(uiPort),
      ARXFLOW_CLUSTER_NAMESPACE: settings.namespace,
      // localhost, not 127.0.0.1: the UI's site, so the gateway's UI session cookie (SameSite=Lax) is sent.
      ARXFLOW_CLUSTER_CODEC_ENDPOINT: `http://localhost:${settings.gatewayPort}/codec`,
      ...oidc.uiEnv,
    };
    const providerGone = () =>
      isRunning(files.pids, 'oidc-provider')
        ? undefined
        : `oidc-provider exited; the end of ${oidcProvider.logFile}:\n${tail(oidcProvider.logFile)}`;
    await waitForHttp(`${oidc.issuer}/.well-known/openid-configuration`, 60_000, providerGone);
    const ui = startDetached(
      files.pids,
      files.logs,
      'web-ui',
      tools.uiServer,
      ['--root', '/', '--config', UI_CONFIG_DIR, '--env', UI_CONFIG_ENV, 'start'],
      uiEnv,
      files.root,
    );
    const webUiUrl = `http://localhost:${uiPort}`;

    const anyGone = () => {
      for (const p of [
        ...servers,
        ...workers.map((w) => ({ name: w.name, logFile: w.log })),
        gateway,
        oidcProvider,
        ui,
      ])
        if (!isRunning(files.pids, p.name)) return `${p.name} exited; the end of ${p.logFile}:\n${tail(p.logFile)}`;
      return undefined;
    };
    await waitForHttp(`${gatewayUrl}/readyz`, 120_000, anyGone);
    await waitForHttp(`${webUiUrl}/`, 60_000, anyGone);
    await runHealthCheck(parseSettings(arxflowEnv), anyGone);

    const state: ClusterState = {
      dataDir: files.root,
      temporalAddress,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      gatewayUrl,
      webUiUrl,
      oidcIssuer: oidc.issuer,
      codecUrl: oidc.codecUrl,
      databaseUrl,
      postgresPort: secrets.postgres.port,
      split: options.split,
      workers,
      processes: expected,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(files.state, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    console.log(
      `arxflow cluster: ready in ${((Date.now() - started) / 1000).toFixed(1)} s; search attributes: ${attributes.join(', ')}`,
    );
    printWhere(state);
  } catch (err) {
    await failed(err);
  }
}

/** The end-to-end proof that a worker runs: Temporal -> a worker -> the store (arxflow health's workflow). */
async function runHealthCheck(settings: Settings, gaveUp: () => string | undefined): Promise<void> {
  const connection = await Connection.connect({ address: settings.temporalAddress! });
  try {
    const client = new Client({
      connection,
      namespace: settings.namespace,
      dataConverter: dataConverterOf(codecsFor(settings)),
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const reason = gaveUp();
      if (reason) throw new Error(reason);
      try {
        await client.workflow.execute('healthCheck', {
          taskQueue: settings.taskQueue,
          workflowId: 'arxflow/cluster-ready-check',
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          workflowExecutionTimeout: '20 seconds',
        });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`the workers did not run the health check: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
  } finally {
    await connection.close();
  }
}

async function waitForHttp(url: string, timeoutMs: number, gaveUp: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const reason = gaveUp();
    if (reason) throw new Error(reason);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (${last})`);
}

/** Until the first Temporal process has written the cluster's metadata (or has died). */
async function waitForClusterMetadata(files: ReturnType<typeof stateFiles>, port: number, died: () => boolean) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !died();) {
    if (psql(files, port, 'SELECT count(*) FROM cluster_metadata_info', 'temporal') !== '0') return;
    await sleep(250);
  }
}

function tail(file: string, lines = 15): string {
  try {
    // Long lines (a Go stack trace in one JSON line) cut short: the message is at the start.
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)}...` : line))
      .join('\n');
  } catch {
    return '(no log)';
  }
}

function printWhere(state: ClusterState): void {
  console.log(
    [
      '',
      'arxflow cluster is running (in the background)',
      `  gateway   ${state.gatewayUrl}  (GET /healthz, GET /readyz)`,
      `  Web UI    ${state.webUiUrl}  (standalone ui-server, codec ${state.codecUrl}, self-signed)`,
      `  login     ${state.oidcIssuer}  (local OpenID provider of the Web UI; test users and passwords in ${path.join(state.dataDir, 'cluster-secrets.json')})`,
      `  Temporal  ${state.temporalAddress}  namespace ${state.namespace}, task queue ${state.taskQueue}, on PostgreSQL${state.split ? ' (one process per service)' : ''}`,
      ...state.workers.map((w) => `  worker    ${w.name} pid ${w.pid}, metrics ${w.metricsUrl}`),
      `  data      PostgreSQL 127.0.0.1:${state.postgresPort} (databases temporal, temporal_visibility, arxflow) in ${state.dataDir}`,
      `  logs      ${path.join(state.dataDir, 'logs')}`,
      `  CLI       TEMPORAL_ADDRESS=${state.temporalAddress} ARXFLOW_DATA_DIR=${state.dataDir} npx arxflow health`,
      'Stop it with `npm run cluster -- stop`.',
      '',
    ].join('\n'),
  );
}

void main();
