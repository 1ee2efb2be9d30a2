import type { ChaosScenario } from '../scenario';
import { between, runUnderFaults } from '../fault-run';
import { sleep } from '../worker-pool';

/**
 * Worker crash: two production worker processes on one task queue, one of them killed with
 * SIGKILL at random moments (and started again) while the mixed workload runs. Workflow tasks
 * move to the other worker; activities cut off mid-way are retried after their heartbeat or
 * start-to-close timeout; every payment and message must still land exactly once.
 */
export const workerCrashScenario: ChaosScenario = {
  name: 'worker-crash',
  summary: 'SIGKILL of worker processes at random moments while 200 mixed workflows run (ci: 40, 3 kills)',
  run: ({ size, log }) => {
    const figures =
      size === 'ci'
        ? { workflows: 40, kills: 3, gapMs: [3000, 8000] }
        : { workflows: 200, kills: 12, gapMs: [4000, 12000] };
    return runUnderFaults({
      scenario: 'worker-crash',
      workflows: figures.workflows,
      concurrency: 10,
      // The bound of every scenario's CI size: pipelines and deployments joined the mix, and one
      // CI run under the suite's load took 157 s of the 240 s this had.
      timeoutMs: size === 'ci' ? 300_000 : 900_000,
      minFaults: figures.kills,
      log,
      async inject(world, done) {
        let finished = false;
        void done.then(() => (finished = true));
        const restarts: Promise<void>[] = [];
        let lastKill: number | undefined;
        while (!finished && world.workers.kills < figures.kills) {
          await Promise.race([sleep(between(figures.gapMs[0]!, figures.gapMs[1]!)), done]);
          if (finished) break;
          const running = world.workers.polling();
          if (running.length === 0) continue;
          const slot = running[Math.floor(Math.random() * running.length)]!;
          log(`SIGKILL worker ${slot} (kill ${world.workers.kills + 1} of ${figures.kills})`);
          const restart = world.workers.killAndRestart(slot);
          restart.catch(() => undefined); // awaited below; a failed restart must not crash the run before cleanup
          restarts.push(restart);
          lastKill = Date.now();
        }
        await Promise.all(restarts);
        return {
          faults: { 'SIGKILL of a worker process': world.workers.kills },
          ...(lastKill ? { lastFaultEndedAt: lastKill } : {}),
        };
      },
    });
  },
};
