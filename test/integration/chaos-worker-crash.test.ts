import { workerCrashScenario } from '../../chaos/scenarios/worker-crash';
import { planWorkload, withCorrections } from '../../chaos/workload';

// The CI subset of `npm run chaos`: the worker-crash scenario at size ci (40 mixed workflows,
// two production worker processes, 3 SIGKILLs at random moments). Counts come from the ledger
// and the SMTP and Slack stand-ins (chaos/counts.ts), not from the workflows' own answers.
describe('chaos: worker crash (size ci)', () => {
  it('completes every workflow with each payout and message exactly once despite SIGKILLs', async () => {
    const lines: string[] = [];
    const result = await workerCrashScenario.run({ size: 'ci', log: (line) => lines.push(line) });

    // The figures the ci size promises, worked out here from the plan.
    const plan = planWorkload('X', 40);
    expect(plan).toEqual({ run: 'X', funding: 16, alerts: 14, reviews: 10 });
    const corrections = Array.from({ length: plan.reviews }, (_, i) => i).filter(withCorrections).length;
    const exact = (what: string, n: number) => ({ what, expected: n, observed: n, duplicates: 0, lost: 0 });
    const report = `${lines.join('\n')}\n${JSON.stringify(result, null, 2)}`;
    expect({ counts: result.counts, report }).toEqual({
      counts: [
        exact('workflows completed as expected', 40),
        exact('ledger payouts (done, expected amount)', 16),
        exact('ledger disbursement transactions', 16),
        exact('emails at the SMTP stand-in (one per Message-ID)', 2 * plan.alerts + plan.reviews + corrections),
        exact('Slack messages at the Slack stand-in', 2 * plan.alerts),
      ],
      report,
    });
    expect(result.faults['SIGKILL of a worker process']).toBeGreaterThanOrEqual(3);
    expect(result.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result).toMatchObject({ ok: true, duplicates: 0, lost: 0 });
    expect(result.observed).toBe(result.expected);
  }, 900_000);
});
