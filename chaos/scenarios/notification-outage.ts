import type { ChaosScenario } from '../scenario';
import { runUnderFaults } from '../fault-run';
import { sleep } from '../worker-pool';
import type { ChaosWorld } from '../world';

/** Alert deliveries try 5 times over about 30 s (2, 4, 8, 16 s apart), then record a failure: an outage is kept shorter. */
const OUTAGE_MS = 20_000;

/**
 * Notification outage: the Slack stand-in answers every chat.postMessage with HTTP 500 for 20 s,
 * then the SMTP stand-in refuses every message (451) for 20 s, while the mixed workload runs.
 * Other channels are not blocked: emails keep arriving while Slack is down, Slack posts while
 * SMTP is down, payouts throughout; once a channel is back, what waited on it goes out once.
 */
export const notificationOutageScenario: ChaosScenario = {
  name: 'notification-outage',
  summary: 'the Slack and then the SMTP stand-in refuse for 20 s each mid-run; messages go out once when they return',
  run: ({ size, log }) =>
    runUnderFaults({
      scenario: 'notification-outage',
      workflows: size === 'ci' ? 40 : 200,
      concurrency: 10,
      timeoutMs: size === 'ci' ? 300_000 : 900_000,
      minFaults: 2,
      log,
      async inject(world) {
        await sleep(5_000);
        const paidBefore = await countPayouts(world);
        const slackDown = await outage(world, 'slack', log);
        const smtpDown = await outage(world, 'smtp', log);
        const paidDuring = (await countPayouts(world)) - paidBefore;
        return {
          faults: { 'Slack API refusing (20 s)': 1, 'SMTP refusing (20 s)': 1 },
          lastFaultEndedAt: smtpDown.endedAt,
          checks: [
            {
              name: 'emails kept arriving while Slack refused',
              ok: slackDown.othersDelivered > 0,
              detail: `${slackDown.othersDelivered} emails, ${slackDown.refused} Slack calls refused`,
            },
            {
              name: 'Slack posts kept arriving while SMTP refused',
              ok: smtpDown.othersDelivered > 0,
              detail: `${smtpDown.othersDelivered} Slack posts`,
            },
            {
              name: 'payouts made meanwhile (the ledger is not held by notifications)',
              ok: paidDuring > 0,
              detail: `${paidDuring} payouts during the 40 s`,
            },
          ],
        };
      },
    }),
};

async function countPayouts(world: ChaosWorld): Promise<number> {
  const [row] = await world.store.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM ledger_payouts WHERE direction = 'pay' AND status = 'done'",
  );
  return row?.n ?? 0;
}

/** One channel refuses for OUTAGE_MS; counts what the other channel delivered meanwhile. */
async function outage(world: ChaosWorld, channel: 'slack' | 'smtp', log: (line: string) => void) {
  const emails = () => world.smtp.messages().length;
  const posts = () => world.slack.calls('chat.postMessage').filter((c) => c.outcome === 'ok').length;
  const refusedSlack = () => world.slack.calls('chat.postMessage').filter((c) => c.outcome !== 'ok').length;
  const others = channel === 'slack' ? emails : posts;
  const before = others();
  const slackRefusedBefore = refusedSlack();
  log(`${channel === 'slack' ? 'Slack' : 'SMTP'} stand-in refuses for ${OUTAGE_MS / 1000} s`);
  if (channel === 'slack') world.slack.failNext('chat.postMessage', 1_000_000, 'server_error');
  else world.smtp.rejectNext(1_000_000, 451);
  await sleep(OUTAGE_MS);
  if (channel === 'slack') world.slack.failNext('chat.postMessage', 0, 'server_error');
  else world.smtp.rejectNext(0);
  log(`${channel === 'slack' ? 'Slack' : 'SMTP'} stand-in answers again`);
  return {
    endedAt: Date.now(),
    othersDelivered: others() - before,
    /** Refusals counted at the Slack stand-in (the SMTP one does not count them). */
    refused: channel === 'slack' ? refusedSlack() - slackRefusedBefore : undefined,
  };
}
