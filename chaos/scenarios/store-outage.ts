import type { ChaosScenario } from '../scenario';
import { runUnderFaults } from '../fault-run';
import { sleep } from '../worker-pool';

const OUTAGE_MS = 30_000;

/**
 * Store outage: the run's own PostgreSQL cluster is stopped (fast shutdown: connections cut) for
 * 30 s while the mixed workload runs, then started again. Activities fail and retry with
 * backoff; transactions either commit whole or not at all; everything completes once the store
 * is back. Meanwhile the gateway's GET /readyz must say not ready, naming the store, and
 * ready again after.
 */
export const storeOutageScenario: ChaosScenario = {
  name: 'store-outage',
  summary: 'PostgreSQL stopped for 30 s mid-run; retries with backoff, nothing half-written, /readyz reports it',
  run: ({ size, log }) =>
    runUnderFaults({
      scenario: 'store-outage',
      workflows: size === 'ci' ? 40 : 200,
      concurrency: 10,
      timeoutMs: size === 'ci' ? 300_000 : 900_000,
      minFaults: 1,
      log,
      async inject(world) {
        await sleep(8_000);
        const readyz: { at: number; status: number; store?: string }[] = [];
        let polling = true;
        const poll = (async () => {
          while (polling) {
            try {
              const response = await fetch(`${world.gateway.url}/readyz`, { signal: AbortSignal.timeout(5000) });
              const body = (await response.json()) as { checks?: Record<string, { ok?: boolean; status?: string }> };
              readyz.push({ at: Date.now(), status: response.status, store: JSON.stringify(body.checks?.store ?? '') });
            } catch {
              readyz.push({ at: Date.now(), status: 0 });
            }
            await sleep(1000);
          }
        })();
        log(`PostgreSQL stopped for ${OUTAGE_MS / 1000} s`);
        const stoppedAt = Date.now();
        await world.postgres.stop();
        await sleep(OUTAGE_MS);
        await world.postgres.start();
        const backAt = Date.now();
        log('PostgreSQL started again');
        // /readyz's background probe looks every few seconds: give it time to see the store back.
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && readyz.at(-1)?.status !== 200) await sleep(1000);
        polling = false;
        await poll;
        const during = readyz.filter((r) => r.at > stoppedAt + 10_000 && r.at < backAt);
        const notReady = during.filter((r) => r.status === 503);
        const readyAgain = readyz.find((r) => r.at > backAt && r.status === 200);
        return {
          faults: { 'PostgreSQL stopped (30 s)': 1 },
          lastFaultEndedAt: backAt,
          checks: [
            {
              name: '/readyz answered 503 (not ready) while the store was down',
              ok: during.length > 0 && notReady.length === during.length,
              detail: `${notReady.length} of ${during.length} probes from 10 s into the outage; store check: ${notReady[0]?.store ?? '-'}${
                notReady.length < during.length
                  ? `; others: ${during
                      .filter((r) => r.status !== 503)
                      .map((r) => `${r.status} ${r.store ?? ''}`)
                      .join('; ')}`
                  : ''
              }`,
            },
            {
              name: '/readyz ready again after the store returned',
              ok: readyAgain !== undefined,
              detail: readyAgain
                ? `${((readyAgain.at - backAt) / 1000).toFixed(1)} s after`
                : `never; after: ${readyz
                    .filter((r) => r.at > backAt)
                    .slice(-3)
                    .map((r) => `${r.status} ${r.store ?? ''}`)
                    .join('; ')}`,
            },
          ],
        };
      },
    }),
};
