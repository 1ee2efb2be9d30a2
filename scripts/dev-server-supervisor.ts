import type { AppLogger } from '../platform/logger';
import type { RunningDevServer } from './dev-server';

/** How often a dev server that dies under a running service is started again before the service gives up. */
export const RESTART_POLICY = { attempts: 3, windowMs: 5 * 60_000 };

export interface SupervisedDevServer {
  address: string;
  uiUrl: string;
  /** Resolves with the reason once the dev server died more often than RESTART_POLICY allows. */
  gaveUp: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Keeps the dev server of `npm start` up: when it ends without being asked to (a crash, a kill),
 * it is started again on the same ports and SQLite file, so workers and clients, which reconnect
 * by themselves, carry on with every open workflow. At most `attempts` restarts within `windowMs`;
 * one more death (or a restart that fails) inside that window and `gaveUp` says why.
 */
export async function superviseDevServer(
  start: () => Promise<RunningDevServer>,
  logger: AppLogger,
  policy = RESTART_POLICY,
): Promise<SupervisedDevServer> {
  let current: RunningDevServer | undefined = await start();
  const { address, uiUrl, logFile } = current;
  let stopped = false;
  const restarts: number[] = [];
  let giveUp!: (reason: Error) => void;
  const gaveUp = new Promise<Error>((resolve) => (giveUp = resolve));

  const watch = (server: RunningDevServer) => {
    void server.exited.then(async (how) => {
      if (stopped || server !== current) return;
      current = undefined;
      let reason = how;
      for (;;) {
        const now = Date.now();
        while (restarts.length && now - restarts[0]! > policy.windowMs) restarts.shift();
        if (restarts.length >= policy.attempts) {
          const minutes = Math.round(policy.windowMs / 60_000);
          const message = `the Temporal dev server stopped (${reason}) after ${restarts.length} restarts within ${minutes} minutes; giving up (its log: ${logFile})`;
          logger.error({ logFile }, message);
          return giveUp(new Error(message));
        }
        restarts.push(now);
        logger.warn(
          { reason, attempt: restarts.length, of: policy.attempts, logFile },
          `the Temporal dev server stopped (${reason}); restarting it (attempt ${restarts.length} of ${policy.attempts})`,
        );
        try {
          const next = await start();
          if (stopped) return void (await next.stop());
          current = next;
          logger.warn({ devServerPid: next.pid, address }, 'the Temporal dev server is back');
          return watch(next);
        } catch (err) {
          reason = `restart failed: ${(err as Error).message.split('\n')[0]}`;
        }
      }
    });
  };
  watch(current);

  return {
    address,
    uiUrl,
    gaveUp,
    stop: async () => {
      stopped = true;
      await current?.stop();
    },
  };
}
