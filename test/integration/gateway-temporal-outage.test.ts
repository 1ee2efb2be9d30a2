import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../db/store';
import { temporalTarget } from '../../platform/connection';
import { startDevServer, type RunningDevServer } from '../../scripts/dev-server';
import { freePort } from '../../scripts/ports';
import { temporalCliExecutable } from '../../scripts/temporal-tools';
import { call, startGateway, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { uniqueTaskQueue } from '../support/temporal-env';

/**
 * The gateway against a Temporal dev server of this test's own (a SQLite file in a temp data
 * dir), which is stopped and started again on the same port and file: while it is down the
 * gateway answers 503 with Retry-After within 2 s, and once it is back the same gateway
 * (same client, no restart) answers again.
 */
describe('the gateway while Temporal is down', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-outage-'));
  const taskQueue = uniqueTaskQueue('outage');
  let server: RunningDevServer | undefined;
  let connection: Connection;
  let store: Store;
  let gateway: { app: FastifyInstance; url: string };
  let operator: string;
  let options: Parameters<typeof startDevServer>[0];

  beforeAll(async () => {
    options = {
      executable: temporalCliExecutable(),
      dataDir,
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
    };
    [server, store, operator] = await Promise.all([
      startDevServer(options),
      openStore({ inMemory: true }),
      tokenFor('olga', 'operator'),
    ]);
    // As `npm start` connects (its deadline-aware retry and quick reconnection).
    const target = temporalTarget({ ...TEST_SETTINGS, devServer: { ...TEST_SETTINGS.devServer, port: options.port } });
    connection = await Connection.connect(target.connectionOptions as Parameters<typeof Connection.connect>[0]);
    gateway = await startGateway({ connection }, store, taskQueue);
  });
  afterAll(async () => {
    await gateway?.app.close();
    await connection?.close();
    await server?.stop();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (label: string) =>
    call(`${gateway.url}/v1/workflows/durabilityProbe`, { token: operator, body: { sleep: '1 hour', label } });
  const list = () => call(`${gateway.url}/v1/workflows?type=durabilityProbe`, { token: operator });
  const timed = async <T>(request: () => Promise<T>) => {
    const started = performance.now();
    return { answer: await request(), ms: performance.now() - started };
  };
  const readyz = async () => (await call(`${gateway.url}/readyz`)).json as { checks: { temporal: { ok: boolean } } };

  it('503 with Retry-After within 2 s while down, readyz says so within 3 s, and answers again once it is back', async () => {
    expect((await start('before')).status).toBe(201);
    expect((await readyz()).checks.temporal.ok).toBe(true);

    await server!.stop();
    server = undefined;
    const down = Date.now();

    // The background probe runs every 2 s with a 1 s deadline: about 3 s on an idle machine. The
    // bound proves the probe notices (it never recovers by itself), with room for a loaded 2-core one.
    const noticeWithinMs = 20_000;
    while (Date.now() - down < noticeWithinMs && (await readyz()).checks.temporal.ok)
      await new Promise((r) => setTimeout(r, 100));
    const notReady = await call(`${gateway.url}/readyz`);
    expect(Date.now() - down).toBeLessThan(noticeWithinMs);
    expect(notReady.status).toBe(503);
    expect(notReady.json).toMatchObject({ checks: { temporal: { ok: false } } });

    // A route without a deadline of its own (schedules) is bounded by the client's retry budget.
    const schedules = () => call(`${gateway.url}/v1/schedules`, { token: operator });
    for (const request of [start, list, start, schedules]) {
      const { answer, ms } = await timed(() => request('while down'));
      expect({ status: answer.status, error: answer.json.error }).toEqual({ status: 503, error: 'unavailable' });
      expect(answer.json.message).toMatch(/Temporal/);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      // About 1.5 s (the client's retry budget) on an idle machine; far below an unbounded call's minute.
      expect(ms).toBeLessThan(10_000);
    }

    server = await startDevServer(options); // the same port and SQLite file
    const back = Date.now();
    let listed = await list();
    while (listed.status !== 200 && Date.now() - back < 20_000) {
      await new Promise((r) => setTimeout(r, 250));
      listed = await list();
    }
    expect(listed.status).toBe(200);
    expect((listed.json.workflows as { status: string }[]).map((w) => w.status)).toEqual(['RUNNING']);
    expect((await start('after')).status).toBe(201);
  });
});
