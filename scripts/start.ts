// `npm start`: the whole service on embedded defaults. Ctrl-C / SIGTERM shut it down in order.
import { parseSettings } from '../domain/settings';
import { InputError } from '../domain/validation';
import { createLogger } from '../platform/logger';
import { startService } from './service';

async function main(): Promise<void> {
  let settings;
  try {
    settings = parseSettings(process.env);
  } catch (err) {
    console.error(`arxflow: ${(err as Error).message}`);
    process.exit(err instanceof InputError ? 2 : 1);
  }
  const logger = createLogger(settings.logLevel);
  let service;
  try {
    service = await startService(settings, logger);
  } catch (err) {
    console.error(`arxflow: cannot start: ${(err as Error).message}`);
    process.exit(err instanceof InputError ? 2 : 1);
  }

  console.log(
    [
      '',
      'arxflow is running',
      `  gateway   ${service.gatewayUrl}  (GET /healthz, GET /readyz)${listensOn(settings.gatewayHost)}`,
      `  Web UI    ${service.webUiUrl ?? '(served by your Temporal server)'}`,
      `  Temporal  ${service.temporalAddress}  namespace ${settings.namespace}, task queue ${settings.taskQueue}`,
      `  metrics   ${service.metricsUrl}`,
      `  Web UI identities  ${service.uiIdentity}${uiIdentityNote(service.uiIdentity)}`,
      `  data      ${settings.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${settings.dataDir}/pglite`}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    await service.stop();
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  void service.devServerGaveUp.then((err) => {
    console.error(`arxflow: ${err.message}`);
    void shutdown('Temporal dev server lost', 1);
  });
  service.workerStopped.then(
    () => void shutdown('worker stopped', 0),
    (err) => {
      logger.error({ err }, 'worker failed');
      void shutdown('worker failed', 1);
    },
  );
}

/** A wildcard host is printed as the loopback URL one can open; say it listens beyond this machine too. */
function listensOn(host: string): string {
  return host === '0.0.0.0' || host === '::' ? `, listening on ${host} (every interface)` : '';
}

/** One more clause for the start-up line, so nobody mistakes trusted development identities for checked ones. */
function uiIdentityNote(mode: string): string {
  if (mode.startsWith('trusted'))
    return ': actor/roles typed in the Web UI are believed; set ARXFLOW_JWT_SECRET, ARXFLOW_JWKS_URL or ARXFLOW_UI_IDENTITY=stamped to require stamps, or ARXFLOW_UI_IDENTITY=off';
  if (mode === 'stamped') return ': the Web UI must pass a token or session to the codec server (docs/web-ui.md)';
  return ': identities sent from the Web UI are refused (ARXFLOW_UI_IDENTITY=off)';
}

void main();
