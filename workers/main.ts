// `npm run worker`: a worker process on its own, for running more workers against a
// shared Temporal (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL). `npm start` runs the
// same worker in-process through runArxflowWorker.
import { NativeConnection, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { parseSettings, type Settings } from '../domain/settings';
import { InputError } from '../domain/validation';
import { temporalTarget } from '../platform/connection';
import { loadConfigFile } from '../platform/config-file';
import { dataConverterForSettings } from '../platform/codec/data-converter';
import type { ActivityDeps } from '../activities';
import { slackClient, smtpTransport } from '../activities/notifications/channels';
import type { Store } from '../db/store';
import { openSettingsStore } from '../db/settings-store';
import { buildWorkflowBundle } from './bundle';
import { buildWorkflowBundleApart } from './bundling/build-bundle';
import { testRunBundle } from './test-run-bundle';
import { createLogger, type AppLogger } from '../platform/logger';
import { installRuntime } from './runtime';
import { createArxflowWorker } from './worker';
import { workerCachePlan, type WorkerCachePlan } from './worker-cache';
import { limitWorkflowThreadHeap } from './workflow-heap';

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker stops: after stop(), or on a fatal error. */
  stopped: Promise<void>;
  stop(): Promise<void>;
  /** The workflow cache and the memory budget it was sized from. */
  cache: WorkerCachePlan;
}

/** Connects to Temporal and runs the arxflow worker on the settings' task queue. */
export async function runArxflowWorker(
  settings: Settings,
  store: Store,
  /** The workflow bundle; default: built in this process (buildWorkflowBundle). */
  bundle: Promise<WorkflowBundle> = buildWorkflowBundle(),
): Promise<RunningWorker> {
  const target = temporalTarget(settings);
  // Read before connecting: a config file with a mistake stops the worker with the field named.
  const config = loadConfigFile(settings.configFile);
  // A budget too small for a cache stops the worker here, with ARXFLOW_WORKER_MEMORY_MIB named.
  const cache = workerCachePlan(settings.workerMemoryMiB);
  // Before the Worker starts its workflow threads: their heap is bounded by the cache it holds.
  limitWorkflowThreadHeap(cache.workflowHeapMiB);
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await createArxflowWorker({
      connection,
      namespace: target.namespace,
      taskQueue: settings.taskQueue,
      workflowBundle: await bundle,
      deps: {
        store,
        ...notificationChannels(settings),
        dataDir: settings.dataDir,
        pipelineCacheMaxBytes: settings.pipelines.cacheMaxBytes,
        ...(settings.github.token ? { github: { token: settings.github.token, apiUrl: settings.github.apiUrl } } : {}),
        ...(settings.prometheusUrl ? { prometheusUrl: settings.prometheusUrl } : {}),
        // A deployment whose rollback failed raises its critical alert by these policies.
        escalation: config.escalation,
        // Who hears of document commits, and the content limit (data sync).
        sync: config.sync,
      },
      dataConverter: dataConverterForSettings(settings, 'worker'),
      cache,
    });
    const stopped = worker.run().finally(() => connection.close());
    return {
      worker,
      stopped,
      cache,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await stopped.catch(() => undefined);
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/**
 * Start-up warnings for keys that every process of one PostgreSQL database (DATABASE_URL)
 * must share: without ARXFLOW_AUDIT_KEY each host signs audit anchors with a key generated in
 * its own data dir, so verifying on another host reports tampering that did not happen;
 * without ARXFLOW_IDENTITY_KEYS each host stamps Web UI identities with its own key, which the
 * others refuse. A single PGlite process needs neither.
 */
export function sharedKeyWarnings(
  settings: Pick<Settings, 'databaseUrl' | 'identity'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  if (!settings.databaseUrl) return [];
  const warnings: string[] = [];
  if (!env.ARXFLOW_AUDIT_KEY?.trim()) {
    warnings.push(
      'DATABASE_URL is set but ARXFLOW_AUDIT_KEY is not: this host signs audit anchors with a key of its own data dir; every worker and gateway of this database must share one ARXFLOW_AUDIT_KEY (32+ characters), or audit verification on another host reports tampering that did not happen',
    );
  }
  if (!settings.identity.keys?.trim()) {
    warnings.push(
      'DATABASE_URL is set but ARXFLOW_IDENTITY_KEYS is not: this host stamps Web UI identities with a key of its own; every worker and gateway of this database must share ARXFLOW_IDENTITY_KEYS, or the others refuse its stamps',
    );
  }
  return warnings;
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = parseSettings(process.env);
  } catch (err) {
    console.error(`arxflow worker: ${(err as Error).message}`);
    process.exit(err instanceof InputError ? 2 : 1);
  }
  const logger: AppLogger = createLogger(settings.logLevel, 'arxflow-worker');
  installRuntime(logger, `127.0.0.1:${settings.metricsPort}`);
  for (const warning of sharedKeyWarnings(settings)) logger.warn(warning);
  const store = await openSettingsStore(settings);
  let running: RunningWorker;
  try {
    // The bundle built by a child process: webpack's memory stays out of this worker's RSS.
    // Under jest, the run's prebuilt bundle instead (testRunBundle, a test-only hook).
    running = await runArxflowWorker(settings, store, testRunBundle() ?? buildWorkflowBundleApart());
  } catch (err) {
    await store.close();
    if (!(err instanceof InputError)) throw err;
    console.error(`arxflow worker: ${err.message}`);
    process.exit(2);
  }
  logger.info(
    {
      taskQueue: settings.taskQueue,
      namespace: settings.namespace,
      maxCachedWorkflows: running.cache.maxCachedWorkflows,
      memoryBudgetMiB: running.cache.memoryMiB,
      memoryBudget: running.cache.source,
      workflowHeapMiB: running.cache.workflowHeapMiB,
    },
    'worker running',
  );
  const shutdown = () => void running.stop();
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  try {
    await running.stopped;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`arxflow worker: ${(err as Error).message}`);
    process.exit(1);
  });
}

/**
 * Slack and email clients from the settings (a channel without settings falls back to the
 * outbox), and the secrets that sign webhook notifications.
 */
export function notificationChannels(
  settings: Settings,
): Pick<ActivityDeps, 'slack' | 'email' | 'webhookSigningSecrets'> {
  return {
    ...(settings.webhookSigningSecrets ? { webhookSigningSecrets: settings.webhookSigningSecrets } : {}),
    ...(settings.slack.botToken
      ? { slack: slackClient({ token: settings.slack.botToken, apiUrl: settings.slack.apiUrl }) }
      : {}),
    ...(settings.email.smtpUrl
      ? { email: { transport: smtpTransport(settings.email.smtpUrl), from: settings.email.from } }
      : {}),
  };
}
