/* eslint-disable @typescript-eslint/no-require-imports -- direct mode's modules load when it is used (see below) */
import { userInfo } from 'node:os';
import { parseSettings, type Settings } from '../domain/settings';
import type { GatewayClient } from '../client/api/gateway-client';
import { HttpOperations } from '../client/api/http-operations';
import type { Caller, WorkflowOperations } from '../client/api/operations';
import type { Store } from '../db/store';
import type { DrawContext } from '../client/api/funding-draws';
import type { StartContext } from '../client/api/registry';
import type { ConfigFile } from '../domain/config-file';
import type { ServiceFile } from '../platform/service-file';
import { resolveGatewayTarget } from './gateway-target';
import type { openTemporalClient } from './temporal-client';

// Temporal's client, the workflow registry, the store and the config file load only where a
// command uses them (direct mode): a command through the gateway starts without them.
const temporalClient = () => require('./temporal-client') as typeof import('./temporal-client');

/**
 * How a command reaches arxflow: through a gateway (ARXFLOW_URL, or the running service of the
 * data dir found by its service.json: see gateway-target.ts), else Temporal directly, where
 * whoever can reach Temporal is trusted as admin and acts as ARXFLOW_ACTOR or `cli:<login>`.
 */
export interface CliContext {
  settings: Settings;
  operations: WorkflowOperations;
  caller: Caller;
  /** Set in gateway mode: every command that reads or writes the store goes through it. */
  gateway?: GatewayClient;
  /**
   * Set when the CLI mints its own tokens for the gateway (a found service, no ARXFLOW_TOKEN):
   * `operations` act as the Caller they are given, as on Temporal directly, so `--as` works.
   */
  mintsTokens?: boolean;
  /**
   * The running service of the data dir when the gateway was found through its service.json;
   * `temporal()` then reaches that service's Temporal (for what only Temporal answers).
   */
  service?: ServiceFile;
  /** Opens (once) and returns a Temporal client; direct mode only. */
  temporal(): ReturnType<typeof openTemporalClient>;
  close(): Promise<void>;
}

export async function withCliContext<T>(work: (context: CliContext) => Promise<T>): Promise<T> {
  const parsed = parseSettings(process.env);
  const caller: Caller = { subject: process.env.ARXFLOW_ACTOR || `cli:${userInfo().username}`, roles: ['admin'] };
  const target = resolveGatewayTarget(parsed, process.env, caller);
  // A found service also says where its Temporal is (whatever ARXFLOW_TEMPORAL_PORT this shell has).
  const settings: Settings = target?.service
    ? { ...parsed, temporalAddress: target.service.temporalAddress, namespace: target.service.namespace }
    : parsed;
  let opened: ReturnType<typeof openTemporalClient> | undefined;
  const temporal = () => (opened ??= temporalClient().openTemporalClient(settings));
  let store: Promise<Store> | undefined;
  // Direct mode resolves draws against the store itself, as the gateway does.
  const draws: DrawContext = {
    programs: async () => {
      const { openSettingsStore } = require('../db/settings-store') as typeof import('../db/settings-store');
      const { FundingPrograms } = require('../db/funding-programs') as typeof import('../db/funding-programs');
      const opened = await (store ??= openSettingsStore(settings));
      return new FundingPrograms(opened.db, opened.audit);
    },
    makerCheckerWindow: settings.makerCheckerWindow,
  };
  // And takes review teams and escalation policies from the config file (ARXFLOW_CONFIG), read when a start needs them.
  let config: ConfigFile | undefined;
  const loadConfigFile = (file: string) =>
    (require('../platform/config-file') as typeof import('../platform/config-file')).loadConfigFile(file);
  // And stores a review's plan in the store, to start it by reference (the gateway does the same).
  const blobs = async () => {
    const { openSettingsStore } = require('../db/settings-store') as typeof import('../db/settings-store');
    const { BlobStore } = require('../db/blob-store') as typeof import('../db/blob-store');
    return new BlobStore((await (store ??= openSettingsStore(settings))).db);
  };
  const startContext: StartContext = {
    draws,
    config: () => (config ??= loadConfigFile(settings.configFile)),
    blobs,
  };
  const context: CliContext = {
    settings,
    caller,
    temporal,
    ...(target
      ? {
          gateway: target.gateway,
          service: target.service,
          mintsTokens: !!target.tokenFor,
          operations: new HttpOperations(target.gateway, target.tokenFor),
        }
      : { operations: lazyTemporalOperations(temporal, settings.taskQueue, startContext) }),
    close: async () => {
      if (opened) await (await opened).close();
      if (store) await (await store).close();
    },
  };
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}

/** Connects to Temporal only when an operation runs, so bad input exits 2 without a connection. */
function lazyTemporalOperations(
  temporal: () => ReturnType<typeof openTemporalClient>,
  taskQueue: string,
  startContext: StartContext,
): WorkflowOperations {
  const ops = async () => {
    const { TemporalOperations } =
      require('../client/api/temporal-operations') as typeof import('../client/api/temporal-operations');
    return new TemporalOperations((await temporal()).client, taskQueue, startContext);
  };
  return {
    start: async (...args) => (await ops()).start(...args),
    describe: async (...args) => (await ops()).describe(...args),
    list: async (...args) => (await ops()).list(...args),
    signal: async (...args) => (await ops()).signal(...args),
    update: async (...args) => (await ops()).update(...args),
    query: async (...args) => (await ops()).query(...args),
    outcome: async (...args) => (await ops()).outcome(...args),
  };
}
