import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEscalationConfig } from '../../domain/alerts/escalation-policy-schemas';
import type { AlertEvent } from '../../domain/alerts/types';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import { REVIEW_TEAMS, reviewStartBody } from '../fixtures/compliance-review';
import { runArxflow } from '../support/cli-process';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

const ESCALATION = parseEscalationConfig({
  default: 'default',
  policies: [
    { name: 'default', levels: [{ notify: [{ slack: '#ops' }] }] },
    {
      name: 'database',
      levels: [
        { notify: [{ email: 'dba@example.com' }], escalateAfter: '30 minutes' },
        { notify: [{ email: 'cto@example.com' }] },
      ],
    },
  ],
});

const alertEvent = (dedupKey: string): AlertEvent => ({
  source: 'alertmanager',
  dedupKey,
  sourceKey: `fp-${dedupKey}`,
  action: 'trigger',
  severity: 'error',
  summary: `Disk full (${dedupKey})`,
  labels: { alertname: 'DiskFull' },
  annotations: {},
  startsAt: new Date().toISOString(),
  links: [],
  images: [],
});

// Issue 10 for the workflow types other than fundingGate: whoever holds which roles, the body of
// a start never names who applies, who decides or whom to page; the server does.
describe('starts through the gateway: the server decides identities, reviewers and policies', () => {
  const world = useDevServerWorld('start-security', {
    gateway: { compliance: REVIEW_TEAMS, alerts: { escalation: ESCALATION } },
  });
  const viewer = () => tokenFor('vera', 'viewer');
  const notStarted = async (workflowId: string) =>
    expect(
      (await call(`${world.url}/v1/workflows/${encodeURIComponent(workflowId)}`, { token: await viewer() })).status,
    ).toBe(404);

  describe('complianceReview', () => {
    const start = (token: string, body: unknown) => call(`${world.url}/v1/workflows/complianceReview`, { token, body });

    it('refuses a body naming the applicant, reviewers, supervisor or policy (400 naming the field), and starts nothing', async () => {
      const mallory = await tokenFor('mallory', 'operator', 'approver');
      const forged = [
        {
          field: 'applicant.id',
          body: { applicant: { id: 'arch-amy', email: 'amy@architects.example' } },
          message: /applicant\.id: the applicant is the authenticated caller/,
        },
        {
          field: 'reviewers',
          body: { reviewers: ['mallory'] },
          message: /reviewers: the jurisdiction's plan reviewers come from the server's configuration/,
        },
        {
          field: 'supervisor',
          body: { supervisor: 'mallory' },
          message: /supervisor: the jurisdiction's supervisor comes from the server's configuration/,
        },
        {
          field: 'policy',
          body: { policy: { reviewSlaBusinessDays: 365, requiredDocuments: [] } },
          message: /policy: the jurisdiction's review policy comes from the server's configuration/,
        },
        { field: 'actor', body: { actor: 'arch-amy' }, message: /actor: the applicant is the authenticated caller/ },
      ];
      for (const { field, body, message } of forged) {
        const planId = `SEC-${field.replace('.', '-')}`;
        const refused = await start(mallory, { ...reviewStartBody(planId), ...body });
        expect({ field, status: refused.status }).toEqual({ field, status: 400 });
        expect(refused.json.message).toMatch(message);
        await notStarted(`compliance/${planId}`);
      }
    });

    it('refuses an unconfigured jurisdiction (422 naming it) and a caller on the configured team (422, four eyes)', async () => {
      const amy = await tokenFor('arch-amy', 'operator');
      const unconfigured = await start(amy, reviewStartBody('SEC-CITY', { jurisdiction: 'EXAMPLE-CITY' }));
      expect(unconfigured.status).toBe(422);
      expect(unconfigured.json.message).toMatch(
        /jurisdiction: EXAMPLE-CITY has no plan review team on this server .*configured: IBC-2021/,
      );
      await notStarted('compliance/SEC-CITY');

      for (const member of ['rev-ray', 'sup-sam']) {
        const own = await start(await tokenFor(member, 'operator', 'approver'), reviewStartBody(`SEC-OWN-${member}`));
        expect(own.status).toBe(422);
        expect(own.json.message).toMatch(
          new RegExp(
            `applicant: ${member} (is a configured plan reviewer of|supervises) IBC-2021.* cannot apply for a review they would decide \\(four eyes\\)`,
          ),
        );
        await notStarted(`compliance/SEC-OWN-${member}`);
      }
    });

    it('records the token subject as the applicant and the configured team and policy', async () => {
      const started = await start(await tokenFor('arch-amy', 'operator'), reviewStartBody('SEC-OK'));
      expect(started.status).toBe(201);
      expect(started.json).toMatchObject({ workflowId: 'compliance/SEC-OK' });
      const status = (
        await call(`${world.url}/v1/workflows/${encodeURIComponent('compliance/SEC-OK')}/queries/status`, {
          token: await viewer(),
        })
      ).json.result as ReviewStatusView;
      expect(status).toMatchObject({
        applicant: 'arch-amy',
        reviewers: ['rev-ray', 'rev-rosa'],
        supervisor: 'sup-sam',
        policy: {
          reviewSlaBusinessDays: 12,
          correctionBusinessDays: 10,
          requiredDocuments: ['floor-plans', 'code-analysis'],
        },
      });
      await world.env.client.workflow.getHandle('compliance/SEC-OK').terminate('test over');
    });
  });

  describe('fundingDeposit', () => {
    it('records the caller as who posted the deposit; a body naming postedBy or actor is refused', async () => {
      const ada = await tokenFor('ada', 'admin');
      const deposit = { projectId: 'SEC-DEP', reference: 'wire-1', amount: 100_000, currency: 'USD' };
      for (const field of ['postedBy', 'actor']) {
        const forged = await call(`${world.url}/v1/workflows/fundingDeposit`, {
          token: ada,
          body: { ...deposit, reference: `wire-${field}`, [field]: 'lender-bank' },
        });
        expect(forged.status).toBe(400);
        expect(forged.json.message).toMatch(new RegExp(`${field}: the depositor is the authenticated caller`));
        await notStarted(`funding-deposit/SEC-DEP/wire-${field}`);
      }
      const posted = await call(`${world.url}/v1/workflows/fundingDeposit`, { token: ada, body: deposit });
      expect(posted.status).toBe(201);
      await world.env.client.workflow.getHandle('funding-deposit/SEC-DEP/wire-1').result();
      const audited = await world.store.db.query<{ actor: string }>(
        "SELECT actor FROM audit_events WHERE action = 'funding.deposited' AND workflow_id = 'funding-deposit/SEC-DEP/wire-1'",
      );
      expect(audited).toEqual([{ actor: 'ada' }]);
    });
  });

  describe('taskEvent', () => {
    it('a stored trigger cannot start a draw (or any type the server prepares) with args from the event', async () => {
      const olga = await tokenFor('olga', 'operator');
      const refused = await call(`${world.url}/v1/task-triggers/self-draw`, {
        method: 'PUT',
        token: olga,
        body: {
          projectId: 'SEC-T',
          taskId: 'T-1',
          triggerType: 'task_completed',
          actions: [
            {
              type: 'start_workflow',
              workflowType: 'fundingGate',
              workflowId: 'funding-gate/SEC-T/M1',
              args: { requestedBy: '{{fields.who}}', approvals: { stages: [] } },
            },
          ],
        },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/actions\.0\.workflowType: a trigger may not start fundingGate/);
      expect((await call(`${world.url}/v1/task-triggers/self-draw`, { token: olga })).status).toBe(404);
    });
  });

  describe('the CLI on Temporal directly: the actor is the applicant, the team and policies come from ARXFLOW_CONFIG', () => {
    let dir: string;
    let config: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'arxflow-start-security-'));
      config = path.join(dir, 'arxflow.config.yaml');
      writeFileSync(
        config,
        [
          'compliance:',
          '  jurisdictions:',
          '    - { id: IBC-2021, reviewers: [rev-cli], supervisor: sup-cli, policy: { correctionBusinessDays: 5 } }',
          'escalation:',
          '  default: default',
          '  policies:',
          '    - { name: default, levels: [{ notify: [{ slack: "#ops" }] }] }',
          '    - { name: facilities, levels: [{ notify: [{ email: facilities@example.com }] }] }',
        ].join('\n'),
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const arxflow = (args: string[], env: Record<string, string> = {}) =>
      runArxflow(args, {
        TEMPORAL_ADDRESS: world.env.address,
        ARXFLOW_TASK_QUEUE: world.taskQueue,
        ARXFLOW_CONFIG: config,
        ...env,
      });
    const start = (type: string, input: unknown, env: Record<string, string> = {}) =>
      arxflow(['workflows', 'start', type, '--input', JSON.stringify(input), '--json'], env);

    it("complianceReview: forged fields exit 2, an unconfigured jurisdiction exits 1, a start records ARXFLOW_ACTOR and the file's team", async () => {
      const forged = await start(
        'complianceReview',
        { ...reviewStartBody('CLI-FORGED'), reviewers: ['me'] },
        { ARXFLOW_ACTOR: 'arch-cli' },
      );
      expect(forged.status).toBe(2);
      expect(forged.stderr).toMatch(
        /reviewers: the jurisdiction's plan reviewers come from the server's configuration/,
      );
      const unconfigured = await start(
        'complianceReview',
        reviewStartBody('CLI-CITY', { jurisdiction: 'EXAMPLE-CITY' }),
        { ARXFLOW_ACTOR: 'arch-cli' },
      );
      expect(unconfigured.status).toBe(1);
      expect(unconfigured.stderr).toMatch(/jurisdiction: EXAMPLE-CITY has no plan review team/);
      await notStarted('compliance/CLI-CITY');

      const started = await start('complianceReview', reviewStartBody('CLI-OK'), { ARXFLOW_ACTOR: 'arch-cli' });
      expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
      const status = await world.env.client.workflow.getHandle('compliance/CLI-OK').query<ReviewStatusView>('status');
      expect(status).toMatchObject({
        applicant: 'arch-cli',
        reviewers: ['rev-cli'],
        supervisor: 'sup-cli',
        policy: { correctionBusinessDays: 5 },
      });
      await world.env.client.workflow.getHandle('compliance/CLI-OK').terminate('test over');
    });

    it("alertEscalation: the named policy is the config file's", async () => {
      const refused = await start('alertEscalation', {
        event: alertEvent('cli-own'),
        policy: { name: 'facilities', levels: [] },
      });
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/policy\.levels: levels and targets come from the configured escalation policies/);
      const started = await start('alertEscalation', {
        event: alertEvent('cli-named'),
        policy: { name: 'facilities' },
      });
      expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
      const view = await world.env.client.workflow.getHandle('alert/cli-named').query<AlertStatusView>('status');
      expect(view.policy).toBe('facilities');
      await world.env.client.workflow.getHandle('alert/cli-named').terminate('test over');
    });
  });

  describe('alertEscalation (an admin replaying an event)', () => {
    const start = (token: string, body: unknown) => call(`${world.url}/v1/workflows/alertEscalation`, { token, body });

    it('refuses a body with its own levels, targets or policy list (400 naming the field), and an unknown policy (422)', async () => {
      const admin = await tokenFor('ada', 'admin');
      const own = [
        {
          field: 'policy.levels',
          body: { policy: { name: 'default', levels: [{ targets: [{ kind: 'email', to: 'me@example.com' }] }] } },
          message: /policy\.levels: levels and targets come from the configured escalation policies/,
        },
        {
          field: 'targets',
          body: { policy: { name: 'default' }, targets: [{ kind: 'email', to: 'me@example.com' }] },
          message: /targets: unknown field/,
        },
        {
          field: 'policies',
          body: { policy: { name: 'default' }, policies: [] },
          message: /policies: the configured escalation policies/,
        },
      ];
      for (const { field, body, message } of own) {
        const dedupKey = `sec-${field.replace('.', '-')}`;
        const refused = await start(admin, { event: alertEvent(dedupKey), ...body });
        expect({ field, status: refused.status }).toEqual({ field, status: 400 });
        expect(refused.json.message).toMatch(message);
        await notStarted(`alert/${dedupKey}`);
      }
      const unknown = await start(admin, { event: alertEvent('sec-unknown'), policy: { name: 'mine' } });
      expect(unknown.status).toBe(422);
      expect(unknown.json.message).toMatch(
        /policy\.name: no escalation policy "mine" is configured \(configured: default, database\)/,
      );
      await notStarted('alert/sec-unknown');
      expect(
        (
          await start(await tokenFor('olga', 'operator'), {
            event: alertEvent('sec-operator'),
            policy: { name: 'default' },
          })
        ).status,
      ).toBe(403);
    });

    it('resolves a named policy from the configuration', async () => {
      const started = await start(await tokenFor('ada', 'admin'), {
        event: alertEvent('sec-named'),
        policy: { name: 'database' },
      });
      expect(started.status).toBe(201);
      const status = `${world.url}/v1/workflows/${encodeURIComponent('alert/sec-named')}/queries/status`;
      let view: AlertStatusView | undefined;
      for (let attempt = 0; attempt < 50 && !view?.level; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 100));
        view = (await call(status, { token: await viewer() })).json.result as AlertStatusView;
      }
      expect(view).toMatchObject({ policy: 'database', level: 1 });
      // Level 1 of the configured policy was notified (the outbox, no SMTP configured).
      let recipients: unknown[] = [];
      for (let attempt = 0; attempt < 50 && recipients.length === 0; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 100));
        recipients = (
          await world.store.db.query<{ recipients: unknown }>(
            "SELECT recipients FROM notification_outbox WHERE workflow_id = 'alert/sec-named'",
          )
        ).map((row) => row.recipients);
      }
      expect(recipients).toEqual([['dba@example.com']]);
      await world.env.client.workflow.getHandle('alert/sec-named').terminate('test over');
    });
  });
});
