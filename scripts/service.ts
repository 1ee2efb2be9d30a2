import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../domain/settings';
import type { Store } from '../db/store';
import { temporalTarget } from '../platform/connection';
import { buildGateway } from '../gateway/server';
import { describeIntakeAuth } from '../gateway/alerts/routes';
import { createAuthenticator, usesDevelopmentSecret } from '../platform/tokens';
import { codecsFor, dataConverterOf, describeUiIdentity } from '../platform/codec/data-converter';
import { loadConfigFile } from '../platform/config-file';
import { loadWebhookSources } from '../gateway/webhooks/routes';
import { syncSchedules } from '../client/schedules';
import { openSettingsStore } from '../db/settings-store';
import { runArxflowWorker, sharedKeyWarnings } from '../workers/main';
import { testRunBundle } from '../workers/test-run-bundle';
import { installRuntime } from '../workers/runtime';
import type { AppLogger } from '../platform/logger';
import { removeServiceFile, writeServiceFile } from '../platform/service-file';
import { startDevServer } from './dev-server';
import { stopLeftoverDevServer } from './dev-server-pid';
import { superviseDevServer, type SupervisedDevServer } from './dev-server-supervisor';
import { assertPortFree } from '../platform/ports';
import { reachableUrl } from './ports';
import { temporalCliExecutable } from './temporal-tools';

export interface RunningService {
  gatewayUrl: string;
  webUiUrl?: string;
  temporalAddress: string;
  metricsUrl: string;
  /** How identities typed in the Web UI are treated (trusted in development, stamped with real auth, or off). */
  uiIdentity: string;
  /** Resolves when the worker stops on its own (fatal error); `stop()` is still needed. */
  workerStopped: Promise<void>;
  /** Resolves with the reason when the dev server keeps dying (more than its restarts allow); `stop()` is still needed. */
  devServerGaveUp: Promise<Error>;
  stop(): Promise<void>;
}

/** Brings up the whole service: store, Temporal (dev server unless TEMPORAL_ADDRESS), worker, gateway. */
export async function startService(settings: Settings, logger: AppLogger): Promise<RunningService> {
  // A bad config file or a webhook source without a secret stops us before anything starts.
  const config = loadConfigFile(settings.configFile);
  const webhookSources = loadWebhookSources(config.webhooks, process.env, settings.configFile);
  const host = settings.gatewayHost;
  await assertPortFree(settings.gatewayPort, host, 'ARXFLOW_PORT', 'set ARXFLOW_PORT to another port');
  await assertPortFree(
    settings.metricsPort,
    '127.0.0.1',
    'ARXFLOW_METRICS_PORT',
    'set ARXFLOW_METRICS_PORT to another port',
  );
  if (!settings.temporalAddress) {
    // A dev server a crashed run of this data dir left behind holds our ports: end it first.
    const leftover = await stopLeftoverDevServer(settings.dataDir);
    if (leftover)
      logger.warn(
        { devServerPid: leftover.pid },
        'stopped the Temporal dev server a previous run of this data dir left running',
      );
    await assertPortFree(
      settings.devServer.port,
      '127.0.0.1',
      'ARXFLOW_TEMPORAL_PORT',
      'set ARXFLOW_TEMPORAL_PORT to another port (or TEMPORAL_ADDRESS to use a running server)',
    );
    await assertPortFree(
      settings.devServer.uiPort,
      '127.0.0.1',
      'ARXFLOW_TEMPORAL_UI_PORT',
      'set ARXFLOW_TEMPORAL_UI_PORT to another port',
    );
  }

  const stack: (() => Promise<void>)[] = []; // undone in reverse on stop or on a failed start
  const stop = async () => {
    for (const undo of stack.reverse()) await undo().catch((err) => logger.error({ err }, 'shutdown step failed'));
    stack.length = 0;
  };

  try {
    installRuntime(logger, `127.0.0.1:${settings.metricsPort}`);
    const store: Store = await openSettingsStore(settings);
    stack.push(() => store.close());
    logger.info({ database: store.db.kind }, 'store ready, migrations applied');
    for (const warning of sharedKeyWarnings(settings)) logger.warn(warning);

    const codecs = codecsFor(settings);
    let devServer: SupervisedDevServer | undefined;
    if (!settings.temporalAddress) {
      const executable = temporalCliExecutable();
      devServer = await superviseDevServer(
        () =>
          startDevServer({
            executable,
            dataDir: settings.dataDir,
            namespace: settings.namespace,
            ...settings.devServer,
            // localhost, not 127.0.0.1: the same site as the UI on localhost, so the UI session cookie (SameSite=Lax) is sent.
            codecEndpoint: `http://localhost:${settings.gatewayPort}/codec`,
          }),
        logger,
      );
      stack.push(() => devServer!.stop());
    }
    const target = temporalTarget(settings);
    const connection = await Connection.connect(target.connectionOptions as Parameters<typeof Connection.connect>[0]);
    stack.push(() => connection.close());
    const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterOf(codecs) });

    // testRunBundle: under jest, the run's prebuilt bundle (a test-only hook); otherwise built here.
    const worker = await runArxflowWorker(settings, store, testRunBundle());
    stack.push(() => worker.stop());

    const schedules = await syncSchedules(client, config.schedules, settings.taskQueue);
    logger.info(schedules, 'schedules synced from the config file');
    if (schedules.unmanaged.length)
      logger.warn({ unmanaged: schedules.unmanaged }, 'schedules in Temporal but not in the config file (left alone)');

    const { app: gateway } = await buildGateway({
      temporal: client,
      taskQueue: settings.taskQueue,
      logger,
      store,
      authenticator: createAuthenticator(settings),
      schedules: config.schedules,
      webhookSources,
      makerCheckerWindow: settings.makerCheckerWindow,
      compliance: config.compliance,
      // Relative artifact paths of deployments are read from the config file's folder.
      deployments: { config: config.deployments, configDir: path.dirname(path.resolve(settings.configFile)) },
      // The configured content limit is checked before a document is stored.
      sync: config.sync,
      dataDir: settings.dataDir,
      publicUrl: settings.pipelines.publicUrl,
      codec: { codecs, webUiOrigin: settings.webUiOrigin, trustLocalWebUi: usesDevelopmentSecret(settings) },
      alerts: {
        escalation: config.escalation,
        metricRules: config.metricRules,
        tokens: settings.alertTokens,
        slackSigningSecret: settings.slack.signingSecret,
        slackUsers: config.slack.users,
      },
    });
    await gateway.listen({ port: settings.gatewayPort, host });
    stack.push(() => gateway.close());
    const gatewayUrl = reachableUrl(host, settings.gatewayPort);
    const temporalAddress = target.connectionOptions.address ?? '';
    // Where this data dir's service answers, for the CLI (platform/service-file.ts); removed first on stop.
    writeServiceFile(settings.dataDir, {
      pid: process.pid,
      gatewayUrl,
      temporalAddress,
      namespace: target.namespace,
      startedAt: new Date().toISOString(),
    });
    stack.push(async () => removeServiceFile(settings.dataDir));
    logAlertIntake(
      logger,
      settings,
      config.escalation.policies.map((p) => p.name),
      config.metricRules.map((r) => r.name),
    );

    return {
      gatewayUrl,
      webUiUrl: devServer?.uiUrl,
      temporalAddress,
      metricsUrl: `http://127.0.0.1:${settings.metricsPort}/metrics`,
      uiIdentity: describeUiIdentity(codecs.uiIdentity),
      workerStopped: worker.stopped,
      devServerGaveUp: devServer?.gaveUp ?? new Promise<Error>(() => {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Says at start-up how each alert source is let in, so an open (loopback-only) intake is never a surprise. */
function logAlertIntake(logger: AppLogger, settings: Settings, policies: string[], metricRules: string[]): void {
  for (const { source, auth, variable } of describeIntakeAuth(settings.alertTokens)) {
    if (auth === 'bearer token') logger.info({ source }, `alert intake ${source}: bearer token required`);
    else logger.warn({ source }, `alert intake ${source}: no token set (${variable}): accepting loopback callers only`);
  }
  if (!settings.slack.signingSecret)
    logger.warn(
      'Slack interactivity off: SLACK_SIGNING_SECRET is not set, /v1/slack/interactivity refuses every request',
    );
  logger.info({ policies }, 'escalation policies loaded from the config file');
  logger.info(
    { metricRules },
    metricRules.length
      ? 'metric threshold rules loaded from the config file'
      : 'no metric rules configured: POST /v1/metrics ignores every sample',
  );
}
