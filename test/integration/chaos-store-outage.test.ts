import { storeOutageScenario } from '../../chaos/scenarios/store-outage';
import { ciWorkloadExpectation } from '../support/chaos-ci-expectation';

// The store-outage scenario of `npm run chaos` at size ci (40 mixed workflows on two production
// worker processes, their PostgreSQL stopped for 30 s mid-run). At full size it found two faults
// on 2026-12-03 (a worker process ended by a connection cut mid-transaction; Slack messages never
// rewritten to "resolved"): here, with the suite. At this size a connection cut mid-transaction
// is likely, not certain; test/integration/pg-connection-lost.test.ts makes that one certain.
describe('chaos: store outage (size ci)', () => {
  it('completes every workflow with each payout and message exactly once, no worker dying, /readyz telling', async () => {
    const lines: string[] = [];
    const result = await storeOutageScenario.run({ size: 'ci', log: (line) => lines.push(line) });

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
    expect({ counts: result.counts, failedChecks: result.checks.filter((check) => !check.ok), report }).toEqual({
      counts,
      failedChecks: [],
      report,
    });
    // The checks that failed before the fixes, by name: they ran and passed.
    expect(result.checks.map((check) => [check.name, check.ok])).toEqual(
      expect.arrayContaining([
        ['no worker process ended by itself', true],
        ['posted Slack alert messages updated to resolved (chat.update)', true],
        ['/readyz answered 503 (not ready) while the store was down', true],
        ['/readyz ready again after the store returned', true],
      ]),
    );
    expect(result.faults['PostgreSQL stopped (30 s)']).toBe(1);
    expect(result).toMatchObject({ ok: true, duplicates: 0, lost: 0 });
  }, 900_000);
});
