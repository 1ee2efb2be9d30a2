import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ComplianceReviews } from '../../client/compliance';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import { examplePlanJson } from '../fixtures/compliance-plans';
import { reviewInput } from '../fixtures/compliance-review';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * `arxflow mcp` as an assistant runs it: a subprocess spoken to over stdio with the SDK's
 * own client. review_status reaches the time-skipping server the test runs a review on.
 */
describe('arxflow mcp over stdio', () => {
  const world = useTimeSkippingWorld();
  let client: Client;

  beforeAll(async () => {
    client = new Client({ name: 'arxflow-test', version: '1.0.0' });
    const env = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(ROOT, 'bin', 'arxflow.js'), 'mcp'],
        cwd: ROOT,
        stderr: 'pipe',
        env: { ...env, TEMPORAL_ADDRESS: world.env.address, TEMPORAL_NAMESPACE: world.env.namespace ?? 'default' },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const json = (result: CallToolResult) => JSON.parse((result.content[0] as { text: string }).text);

  it('lists the three tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['check_plan', 'explain_rule', 'review_status']);
  });

  it("check_plan finds the example plan's door violation, and names the path of a bad field", async () => {
    const result = await call('check_plan', { plan: examplePlanJson(), asOf: '2026-11-01' });
    expect(result.isError).toBeFalsy();
    const body = json(result);
    expect(body.compliant).toBe(false);
    expect(
      body.violations
        .filter((v: { severity: string }) => v.severity === 'error')
        .map((v: { rule: string; elements: string[] }) => [v.rule, v.elements]),
    ).toEqual([['IBC-1010.1.1', ['D3']]]);
    const bad = await call('check_plan', { plan: JSON.stringify({ ...examplePlanJson(), spaces: [{ id: 'S1' }] }) });
    expect(bad.isError).toBe(true);
    expect((bad.content[0] as { text: string }).text).toMatch(/spaces\.0\.level/);
  });

  it('explain_rule explains a rule, and refuses an unknown one with the rules in force', async () => {
    const explained = json(await call('explain_rule', { rule: 'IBC-1020.3', asOf: '2026-11-01' }));
    expect(explained).toMatchObject({ rule: 'IBC-1020.3', jurisdiction: 'IBC-2021' });
    expect(explained.text).toMatch(/44/);
    const unknown = await call('explain_rule', { rule: 'IBC-9999' });
    expect(unknown.isError).toBe(true);
    expect((unknown.content[0] as { text: string }).text).toMatch(/unknown rule "IBC-9999".*IBC-1010\.1\.1/);
  });

  it('review_status answers from the running workflow, and says clearly when there is none', async () => {
    const planId = 'MCP-1';
    const taskQueue = uniqueTaskQueue('compliance-mcp');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const view = await worker.runUntil(async () => {
      const reviews = new ComplianceReviews(world.env.client, taskQueue);
      const handle = await reviews.start(reviewInput(planId));
      expect((await reviews.start(reviewInput(planId))).firstExecutionRunId).toBe(handle.firstExecutionRunId); // one review per plan
      while ((await reviews.status(planId)).status !== 'corrections_required')
        await new Promise((resolve) => setTimeout(resolve, 50));
      const answer = json(await call('review_status', { planId }));
      await handle.terminate('test done');
      return answer as { source: string; review: ReviewStatusView };
    });
    expect(view.source).toBe('query');
    expect(view.review).toMatchObject({ planId, status: 'corrections_required', waitingOn: 'applicant' });
    expect(view.review.cycles[0]!.check!.violations.map((v) => v.rule)).toContain('IBC-1010.1.1');

    const missing = await call('review_status', { planId: 'NO-SUCH-PLAN' });
    expect(missing.isError).toBe(true);
    expect((missing.content[0] as { text: string }).text).toBe(
      'no compliance review for plan "NO-SUCH-PLAN" (workflow compliance/NO-SUCH-PLAN not found)',
    );
  });
});
