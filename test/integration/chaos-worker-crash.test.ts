import { workerCrashScenario } from '../../chaos/scenarios/worker-crash';
import { ciWorkloadExpectation } from '../support/chaos-ci-expectation';

// The CI subset of `npm run chaos`: the worker-crash scenario at size ci (40 mixed workflows,
// two production worker processes, 3 SIGKILLs at random moments). Counts come from the ledger
// and the SMTP and Slack stand-ins (chaos/counts.ts), not from the workflows' own answers.
describe('chaos: worker crash (size ci)', () => {
  it('completes every workflow with each payout and message exactly once despite SIGKILLs', async () => {
    const lines: string[] = [];
    const result = await workerCrashScenario.run({ size: 'ci', log: (line) => lines.push(line) });

    // The figures the ci size promises, worked out from the plan.
    const { plan, counts } = ciWorkloadExpectation();
    expect(plan).toEqual({
      run: 'X',
      funding: 12,
      alerts: 10,
      reviews: 8,
      documents: 4,
      pipelines: 4,
      deployments: 2,
    });
    const report = `${lines.join('\n')}\n${JSON.stringify(result, null, 2)}`;
    expect({ counts: result.counts, report }).toEqual({
      counts,
      report,
    });
    expect(result.faults['SIGKILL of a worker process']).toBeGreaterThanOrEqual(3);
    expect(result.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result).toMatchObject({ ok: true, duplicates: 0, lost: 0 });
    expect(result.observed).toBe(result.expected);
  }, 900_000);
});
