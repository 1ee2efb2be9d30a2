import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordedDevServerPid, stopLeftoverDevServer } from '../../scripts/dev-server-pid';
import { TEST_SETTINGS } from '../../test/support/gateway';
import { serviceEnv, spawnService, waitForOutput } from '../../test/support/service-process';
import type { ChaosScenario, ScenarioResult } from '../scenario';
import { between, runUnderFaults } from '../fault-run';
import { sleep } from '../worker-pool';

/**
 * Server crash: the Temporal dev server is killed with SIGKILL mid-run and started again on its
 * SQLite file (after a pause), while the mixed workload runs on two worker processes. Workers,
 * gateway and driver reconnect; nothing is lost or done twice. Then `npm start` itself: its dev
 * server killed under it, the service restarts it (or exits saying so), and never hangs.
 */
export const serverCrashScenario: ChaosScenario = {
  name: 'server-crash',
  summary: 'SIGKILL of the Temporal dev server mid-run, restarted from its SQLite file; npm start notices a dead one',
  run: ({ size, log }) => {
    const kills = size === 'ci' ? 1 : 3;
    return runUnderFaults({
      scenario: 'server-crash',
      workflows: size === 'ci' ? 40 : 200,
      concurrency: 10,
      timeoutMs: size === 'ci' ? 300_000 : 900_000,
      minFaults: kills,
      log,
      async inject(world, done) {
        let finished = false;
        void done.then(() => (finished = true));
        let count = 0;
        let lastBack: number | undefined;
        while (!finished && count < kills) {
          // Mid-run: the CI-sized workload is done in about 13 s here, the full one in about 55 s
          // (2026-12-03; at 8-20 s apart the third kill came after it, and the run had 2 of 3).
          await Promise.race([sleep(size === 'ci' ? between(2_000, 6_000) : between(4_000, 10_000)), done]);
          if (finished) break;
          const pauseMs = between(1_000, 5_000);
          log(`SIGKILL of the dev server (${count + 1} of ${kills}), back after ${(pauseMs / 1000).toFixed(1)} s`);
          await world.killAndRestartDevServer(pauseMs);
          count += 1;
          lastBack = Date.now();
          log('dev server back on its SQLite file');
        }
        return {
          faults: { 'SIGKILL of the Temporal dev server': count },
          ...(lastBack ? { lastFaultEndedAt: lastBack } : {}),
        };
      },
      after: async () => [await npmStartNoticesDeadDevServer(log)],
    });
  },
};

/**
 * `npm start` (scripts/start.ts) in a data dir of its own; its dev server killed with SIGKILL;
 * within 90 s the service must have started a new one and answer /readyz 200, or have exited
 * with a message naming the dev server. Also proven by test/integration/service-crash.test.ts.
 */
async function npmStartNoticesDeadDevServer(log: (line: string) => void): Promise<ScenarioResult['checks'][number]> {
  const name = 'npm start restarts a dev server killed under it (or exits naming it), never hangs';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-chaos-start-'));
  const env = await serviceEnv(dataDir, { ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret! });
  const service = spawnService(env);
  try {
    log('npm start in a data dir of its own');
    await waitForOutput(service, /arxflow is running/, 180_000);
    const killed = recordedDevServerPid(dataDir);
    if (!killed) return { name, ok: false, detail: 'no dev server pid recorded' };
    const killedAt = Date.now();
    process.kill(killed, 'SIGKILL');
    log('SIGKILL of the dev server under npm start');
    const deadline = Date.now() + 90_000;
    let restartedAt: number | undefined;
    while (Date.now() < deadline) {
      if (service.child.exitCode !== null) {
        const named = /Temporal dev server/.test(service.output());
        return {
          name,
          ok: named,
          detail: `exited ${service.child.exitCode}: ${service.output().split('\n').slice(-2).join(' ')}`,
        };
      }
      const pid = recordedDevServerPid(dataDir);
      if (pid && pid !== killed) {
        restartedAt ??= Date.now();
        // A readiness probed after the new server was seen, not one cached from before the kill.
        const ready = await fetch(`http://127.0.0.1:${env.ARXFLOW_PORT}/readyz`, { signal: AbortSignal.timeout(5000) })
          .then(
            async (r) =>
              r.status === 200 && Date.parse(((await r.json()) as { checkedAt: string }).checkedAt) > restartedAt!,
          )
          .catch(() => false);
        if (ready)
          return {
            name,
            ok: true,
            detail: `new dev server ${((restartedAt - killedAt) / 1000).toFixed(1)} s after the kill, /readyz 200 after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
          };
      }
      await sleep(500);
    }
    return { name, ok: false, detail: 'neither restarted nor exited within 90 s (hangs)' };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message.slice(0, 300) };
  } finally {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      process.kill(-service.child.pid!, 'SIGTERM');
      await Promise.race([service.exited, sleep(30_000)]);
      if (service.child.exitCode === null) process.kill(-service.child.pid!, 'SIGKILL');
    }
    await stopLeftoverDevServer(dataDir).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
