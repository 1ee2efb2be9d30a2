// The gateway on its own, for `npm run cluster` (scripts/cluster.ts): the same gateway as
// `npm start` (scripts/service.ts) but with no worker in its process, so the cluster's workers
// are exactly the worker processes it started (the kill-one-worker tests count on that).
// TEMPORAL_ADDRESS and DATABASE_URL name the shared Temporal and PostgreSQL.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { parseSettings } from '../domain/settings';
import { InputError } from '../domain/validation';
import { buildGateway } from '../gateway/server';
import { temporalTarget } from '../platform/connection';
import { codecsFor, dataConverterOf } from '../platform/codec/data-converter';
import { loadConfigFile } from '../platform/config-file';
import { loadWebhookSources } from '../gateway/webhooks/routes';
import { createAuthenticator, usesDevelopmentSecret } from '../platform/tokens';
import { oidcSettingsFrom, withOidc } from '../platform/oidc-tokens';
import { requireCodecCaller } from '../gateway/codec-login';
import { durationToMs } from '../domain/durations';
import { openSettingsStore } from '../db/settings-store';
import { syncSchedules } from '../client/schedules';
import { createLogger } from '../platform/logger';
import { removeServiceFile, writeServiceFile } from '../platform/service-file';
import { reachableUrl } from './ports';

async function main(): Promise<void> {
  const settings = parseSettings(process.env);
  if (!settings.temporalAddress) throw new InputError('TEMPORAL_ADDRESS: the cluster gateway needs a Temporal address');
  const logger = createLogger(settings.logLevel, 'arxflow-gateway');
  // The Web UI's login (ARXFLOW_OIDC_*): the provider's access tokens name the person the codec server stamps.
  const oidc = oidcSettingsFrom(process.env, durationToMs(settings.auth.maxLifetime));
  const authenticator = withOidc(createAuthenticator(settings), oidc);
  const config = loadConfigFile(settings.configFile);
  const webhookSources = loadWebhookSources(config.webhooks, process.env, settings.configFile);
  const store = await openSettingsStore(settings);
  const codecs = codecsFor(settings);
  const target = temporalTarget(settings);
  const connection = await Connection.connect(target.connectionOptions as Parameters<typeof Connection.connect>[0]);
  const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterOf(codecs) });
  // One gateway per cluster here, so it owns the schedules of the config file (as `npm start` does).
  const schedules = await syncSchedules(client, config.schedules, settings.taskQueue);
  logger.info(schedules, 'schedules synced from the config file');

  const { app } = await buildGateway({
    temporal: client,
    taskQueue: settings.taskQueue,
    logger,
    store,
    authenticator,
    schedules: config.schedules,
    webhookSources,
    makerCheckerWindow: settings.makerCheckerWindow,
    compliance: config.compliance,
    deployments: { config: config.deployments, configDir: path.dirname(path.resolve(settings.configFile)) },
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
  if (oidc)
    requireCodecCaller(app, { authenticator, identityKeys: codecs.identity.keys, webUiOrigin: settings.webUiOrigin });
  await app.listen({ port: settings.gatewayPort, host: settings.gatewayHost });
  const gatewayUrl = reachableUrl(settings.gatewayHost, settings.gatewayPort);
  const codecTls = await listenCodecTls(app);
  // So the arxflow CLI with this ARXFLOW_DATA_DIR finds the cluster's gateway (platform/service-file.ts).
  writeServiceFile(settings.dataDir, {
    pid: process.pid,
    gatewayUrl,
    temporalAddress: settings.temporalAddress,
    namespace: target.namespace,
    startedAt: new Date().toISOString(),
  });
  logger.info({ gatewayUrl, temporal: settings.temporalAddress }, 'gateway listening');

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    removeServiceFile(settings.dataDir);
    codecTls?.close();
    await app.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/**
 * The same gateway on a TLS port too (ARXFLOW_CLUSTER_CODEC_TLS_*, scripts/cluster-oidc.ts): the
 * Web UI passes the logged-in person's access token only to an https codec endpoint.
 */
async function listenCodecTls(app: FastifyInstance): Promise<Server | undefined> {
  const port = Number(process.env.ARXFLOW_CLUSTER_CODEC_TLS_PORT);
  if (!port) return undefined;
  const server = createHttpsServer(
    {
      cert: readFileSync(process.env.ARXFLOW_CLUSTER_CODEC_TLS_CERT!),
      key: readFileSync(process.env.ARXFLOW_CLUSTER_CODEC_TLS_KEY!),
    },
    (req, res) => app.server.emit('request', req, res),
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

main().catch((err: Error) => {
  console.error(`arxflow gateway: ${err.message}`);
  process.exit(err instanceof InputError ? 2 : 1);
});
