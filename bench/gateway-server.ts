// The gateway of `npm run bench -- gateway`, in its own process so the load generator does
// not share its event loop. Reads its setup from the environment, prints `listening <url>`.
import { Client, Connection } from '@temporalio/client';
import { openStore } from '../db/store';
import { parseSettings } from '../domain/settings';
import { createAuthenticator } from '../platform/tokens';
import { buildGateway } from '../gateway/server';
import { loadWebhookSources } from '../gateway/webhooks/routes';
import { createLogger } from '../platform/logger';

export const BENCH_SECRET = 'bench-secret-bench-secret-bench';
export const BENCH_TASK_QUEUE = 'bench-no-worker'; // accepted by Temporal is the webhook's job; nothing needs to run

export const BENCH_SOURCES = {
  bench: {
    scheme: 'github',
    secrets: [BENCH_SECRET],
    rateLimit: { max: 1_000_000, timeWindow: '1 minute' },
    events: [
      {
        action: 'signalWithStart',
        workflowType: 'durabilityProbe',
        workflowId: 'bench/{{build.id}}',
        args: [{ sleep: '1 hour', label: '{{build.id}}' }],
        signal: 'wakeUp',
        payload: { reason: 'bench' },
      },
    ],
  },
};

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.BENCH_TEMPORAL_ADDRESS! });
  const store = await openStore(
    process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : { inMemory: true },
  );
  const { app } = await buildGateway({
    temporal: new Client({ connection }),
    taskQueue: BENCH_TASK_QUEUE,
    logger: createLogger('silent'),
    store,
    schedules: [],
    webhookSources: loadWebhookSources(BENCH_SOURCES, {}),
    authenticator: createAuthenticator(parseSettings({ ARXFLOW_JWT_SECRET: BENCH_SECRET.repeat(2) })),
  });
  console.log(`listening ${await app.listen({ port: 0, host: '127.0.0.1' })} ${store.db.kind}`);
  process.once('SIGTERM', async () => {
    await app.close();
    await store.close();
    await connection.close();
    process.exit(0);
  });
}

if (require.main === module) void main();
