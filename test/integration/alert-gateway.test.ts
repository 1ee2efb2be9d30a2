import { networkInterfaces } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { alertmanagerDedupKey, alertWorkflowId, pagerdutyDedupKey } from '../../domain/alerts/dedup';
import { createAuthenticator } from '../../platform/tokens';
import { buildGateway } from '../../gateway/server';
import { slackSignature } from '../../gateway/slack/signature';
import { createLogger } from '../../platform/logger';
import { call, startGateway, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { freePort } from '../../scripts/ports';
import { useDevServerWorld } from '../support/dev-server-world';
import { clientConnectionOptions } from '../../platform/connection';
import { AlertStatus, Service, Severity } from '../../workflows/search-attributes';

const AM_TOKEN = 'am-token-0123456789abcdef';
const EVENTS_TOKEN = 'events-token-0123456789abcdef';
const SIGNING_SECRET = 'slack-signing-secret-0123456789';

/** An Alertmanager webhook (payload version 4) as Alertmanager 0.25 sends it. */
function amPayload(
  status: 'firing' | 'resolved',
  alerts: { name: string; fingerprint: string; severity?: string }[],
  groupKey = '{}:{alertname="DiskFull"}',
) {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: 'arxflow',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: { alertname: 'DiskFull' },
    commonAnnotations: {},
    externalURL: 'http://am.example:9093',
    alerts: alerts.map((a) => ({
      status,
      labels: { alertname: 'DiskFull', instance: a.name, severity: a.severity ?? 'warning', service: 'db' },
      annotations: { summary: `disk full on ${a.name}` },
      startsAt: '2026-11-25T10:00:00.123456789Z',
      endsAt: status === 'resolved' ? '2026-11-25T10:05:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom.example/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

const pdTrigger = (dedupKey?: string) => ({
  routing_key: 'R0UTING0KEY',
  event_action: 'trigger',
  ...(dedupKey ? { dedup_key: dedupKey } : {}),
  payload: { summary: 'API latency high', source: 'api-1', severity: 'critical', component: 'api' },
});

describe('alert intake, Slack interactivity and silences on a dev server', () => {
  let open: FastifyInstance; // no intake tokens: loopback only
  let openUrl: string;
  // Declared before the world, so this gateway closes while the world is still up.
  afterAll(async () => {
    await open?.close();
  });
  const world = useDevServerWorld('alert-gateway', {
    gateway: {
      alerts: { tokens: { alertmanager: AM_TOKEN, events: EVENTS_TOKEN }, slackSigningSecret: SIGNING_SECRET },
    },
  });

  beforeAll(async () => {
    ({ app: open, url: openUrl } = await startGateway(world.env, world.store, world.taskQueue));
  });

  const statusOf = (dedupKey: string) =>
    world.env.client.workflow.getHandle(alertWorkflowId(dedupKey)).query<AlertStatusView>('status');
  async function eventually(dedupKey: string, check: (view: AlertStatusView) => boolean): Promise<AlertStatusView> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const view = await statusOf(dedupKey);
      if (check(view)) return view;
      if (Date.now() > deadline) throw new Error(`alert ${dedupKey} never got there: ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const exists = async (dedupKey: string) =>
    world.env.client.workflow
      .getHandle(alertWorkflowId(dedupKey))
      .describe()
      .then(
        () => true,
        () => false,
      );
  const amPost = (body: unknown, token: string | undefined = AM_TOKEN, base = world.url) =>
    call(`${base}/v1/alerts/alertmanager`, { token, body });

  describe('authentication, before the body is parsed', () => {
    it('refuses a missing or wrong bearer token with 401, even for a body that is not JSON', async () => {
      for (const token of [undefined, 'wrong-token']) {
        const refused = await call(`${world.url}/v1/alerts/alertmanager`, {
          token,
          body: '{not json',
          headers: { 'content-type': 'application/json' },
        });
        expect(refused.status).toBe(401);
        expect(refused.json.message).toMatch(token ? /wrong bearer token/ : /missing bearer token/);
      }
      // The events token does not open the Alertmanager route.
      expect((await amPost(amPayload('firing', [{ name: 'x', fingerprint: 'f0' }]), EVENTS_TOKEN)).status).toBe(401);
      expect((await call(`${world.url}/v1/events`, { token: AM_TOKEN, body: pdTrigger('x') })).status).toBe(401);
    });

    it('accepts loopback callers without a token where none is configured', async () => {
      const accepted = await amPost(
        amPayload('firing', [{ name: 'lo-1', fingerprint: 'lo1' }], '{}:{alertname="Loopback"}'),
        undefined,
        openUrl,
      );
      expect(accepted.status).toBe(200);
      expect(accepted.json).toMatchObject({ status: 'accepted', alerts: [{ outcome: 'raised' }] });
    });

    // Needs a non-loopback interface to call from. Without one the test is skipped by name
    // (isLoopback's unit test still covers the rule), never passed with no assertion; under CI it fails.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const withExternal = external || process.env.CI ? it : it.skip;
    withExternal('refuses a caller from another address when no token is configured', async () => {
      if (!external) throw new Error('CI is set but this machine has no non-loopback IPv4 interface to call from');
      // The gateway as a server would run it, listening on every interface; called from outside loopback.
      const { app: gateway } = await buildGateway({
        temporal: world.env.client,
        taskQueue: world.taskQueue,
        store: world.store,
        logger: createLogger('silent'),
        schedules: [],
        authenticator: createAuthenticator(TEST_SETTINGS),
      });
      const port = await freePort();
      await gateway.listen({ port, host: '0.0.0.0' });
      try {
        const refused = await amPost(
          amPayload('firing', [{ name: 'ext', fingerprint: 'ext' }]),
          undefined,
          `http://${external}:${port}`,
        );
        expect(refused.status).toBe(401);
        expect(refused.json.message).toMatch(/ARXFLOW_ALERTMANAGER_TOKEN.*loopback/);
      } finally {
        await gateway.close();
      }
    });
  });

  describe('POST /v1/alerts/alertmanager', () => {
    it('raises each alert of a batch, then resolves them from the resolved delivery', async () => {
      const groupKey = '{}:{alertname="DiskFull"}';
      const alerts = [
        { name: 'db-1', fingerprint: 'aaa111' },
        { name: 'db-2', fingerprint: 'bbb222', severity: 'critical' },
      ];
      const keys = alerts.map((a) => alertmanagerDedupKey(groupKey, a.fingerprint));
      const firing = await amPost(amPayload('firing', alerts, groupKey));
      expect(firing.status).toBe(200);
      expect(firing.json).toEqual({
        status: 'accepted',
        alerts: keys.map((dedupKey, i) => ({
          dedupKey,
          sourceKey: alerts[i]!.fingerprint,
          workflowId: alertWorkflowId(dedupKey),
          action: 'trigger',
          outcome: 'raised',
        })),
      });
      expect(await eventually(keys[0]!, (v) => v.status === 'triggered')).toMatchObject({
        severity: 'warning',
        service: 'db',
        policy: 'default',
        count: 1,
      });
      expect((await statusOf(keys[1]!)).severity).toBe('critical');

      // A repeat of the same firing delivery is a duplicate: counted, not a second alert.
      expect((await amPost(amPayload('firing', alerts, groupKey))).status).toBe(200);
      await eventually(keys[0]!, (v) => v.count === 2);

      const resolved = await amPost(amPayload('resolved', alerts, groupKey));
      expect(resolved.status).toBe(200);
      expect(resolved.json.alerts).toEqual(
        keys.map((dedupKey) => expect.objectContaining({ dedupKey, action: 'resolve', outcome: 'signalled' })),
      );
      for (const key of keys) {
        const result = (await world.env.client.workflow.getHandle(alertWorkflowId(key)).result()) as AlertStatusView;
        expect(result).toMatchObject({ status: 'resolved', resolved: { reason: 'source' } });
      }
    });

    it('answers 400 naming the field for a bad payload, and starts nothing', async () => {
      const bad = amPayload('firing', [{ name: 'bad-1', fingerprint: 'bad1' }]) as Record<string, unknown>;
      const cases: [unknown, RegExp][] = [
        [{ ...bad, version: '3' }, /version: must be "4"/],
        [
          { ...bad, alerts: [{ ...(bad.alerts as object[])[0], status: 'burning' }] },
          /alerts\.0\.status: must be firing or resolved/,
        ],
        [{ ...bad, alerts: [{ ...(bad.alerts as object[])[0], startsAt: 'yesterday' }] }, /alerts\.0\.startsAt/],
        [{ ...bad, groupKey: undefined }, /groupKey/],
      ];
      for (const [body, message] of cases) {
        const refused = await amPost(body);
        expect(refused.status).toBe(400);
        expect(refused.json.message).toMatch(message);
      }
      const malformed = await call(`${world.url}/v1/alerts/alertmanager`, {
        token: AM_TOKEN,
        body: '{"version":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(await exists(alertmanagerDedupKey('{}:{alertname="DiskFull"}', 'bad1'))).toBe(false);
    });
  });

  describe('POST /v1/events (PagerDuty Events API v2)', () => {
    const events = (body: unknown) => call(`${world.url}/v1/events`, { token: EVENTS_TOKEN, body });

    it('triggers, acknowledges and resolves by dedup_key, answering 202 as PagerDuty does', async () => {
      const key = pagerdutyDedupKey('R0UTING0KEY', 'latency-api');
      const triggered = await events(pdTrigger('latency-api'));
      expect(triggered.status).toBe(202);
      // PagerDuty's answer, and beside the sender's key the alert id it became.
      expect(triggered.json).toEqual({
        status: 'success',
        message: 'Event processed',
        dedup_key: 'latency-api',
        alert_id: key,
        workflow_id: alertWorkflowId(key),
      });
      await eventually(key, (v) => v.status === 'triggered' && v.severity === 'critical');

      expect(
        (await events({ routing_key: 'R0UTING0KEY', event_action: 'acknowledge', dedup_key: 'latency-api' })).status,
      ).toBe(202);
      await eventually(key, (v) => v.status === 'acknowledged');
      expect(
        (await events({ routing_key: 'R0UTING0KEY', event_action: 'resolve', dedup_key: 'latency-api' })).status,
      ).toBe(202);
      expect(await world.env.client.workflow.getHandle(alertWorkflowId(key)).result()).toMatchObject({
        status: 'resolved',
      });
    });

    it('starts an alert with its search attributes and one patch: its first task upserts none of them, a change does', async () => {
      const key = pagerdutyDedupKey('R0UTING0KEY', 'attrs-api');
      expect((await events(pdTrigger('attrs-api'))).status).toBe(202);
      const view = await eventually(key, (v) => v.status === 'triggered');
      const handle = world.env.client.workflow.getHandle(alertWorkflowId(key));
      const attributes = async () => (await handle.describe()).typedSearchAttributes;
      expect((await attributes()).get(AlertStatus)).toBe('triggered');
      expect((await attributes()).get(Severity)).toBe('critical');
      expect((await attributes()).get(Service)).toBe(view.service);

      // Each patch asked and each upsert is an event and server work on every alert's path.
      const history = (await handle.fetchHistory()).events ?? [];
      const patches = history
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e) => {
          const data = e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!;
          return (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id;
        });
      expect(patches).toEqual(['alert-escalation-one-patch']);
      const upserted = history.flatMap((e) =>
        Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
      );
      expect(upserted).toEqual(['TemporalChangeVersion']); // the SDK's own, one per patch

      expect(
        (await events({ routing_key: 'R0UTING0KEY', event_action: 'acknowledge', dedup_key: 'attrs-api' })).status,
      ).toBe(202);
      await eventually(key, (v) => v.status === 'acknowledged');
      // Upserted after the change is audited, in a later workflow task than the change itself.
      for (const deadline = Date.now() + 15_000; (await attributes()).get(AlertStatus) !== 'acknowledged';) {
        if (Date.now() > deadline) {
          const events = (await handle.fetchHistory()).events ?? [];
          throw new Error(`AlertStatus not upserted; history: ${events.map((e) => e.eventType).join(' ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    it('generates a dedup_key for a trigger without one, and accepts a resolve of an alert that is not open', async () => {
      const triggered = await events(pdTrigger());
      expect(triggered.status).toBe(202);
      expect(triggered.json.dedup_key).toMatch(/^[0-9a-f]{32}$/);
      await eventually(
        pagerdutyDedupKey('R0UTING0KEY', triggered.json.dedup_key as string),
        (v) => v.status === 'triggered',
      );

      const unknown = await events({ routing_key: 'R0UTING0KEY', event_action: 'resolve', dedup_key: 'never-raised' });
      expect(unknown.status).toBe(202);
      expect(await exists(pagerdutyDedupKey('R0UTING0KEY', 'never-raised'))).toBe(false);
    });

    it('answers 400 naming the field (PagerDuty shape too), and starts nothing', async () => {
      const refused = await events({ routing_key: 'R0UTING0KEY', event_action: 'trigger', dedup_key: 'no-payload' });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({
        error: 'bad_input',
        status: 'invalid event',
        errors: ['payload: required for a trigger'],
      });
      const severity = await events({
        ...pdTrigger('bad-severity'),
        payload: { summary: 's', source: 'x', severity: 'urgent' },
      });
      expect(severity.json.message).toMatch(/payload\.severity: must be one of critical, error, warning, info/);
      expect(await exists(pagerdutyDedupKey('R0UTING0KEY', 'no-payload'))).toBe(false);
      expect(await exists(pagerdutyDedupKey('R0UTING0KEY', 'bad-severity'))).toBe(false);
    });
  });

  describe('/v1/alerts/{alert}: by alert id or by the dedup key its sender gave', () => {
    const events = (body: unknown) => call(`${world.url}/v1/events`, { token: EVENTS_TOKEN, body });
    const alertUrl = (alert: string, verb = '') => `${world.url}/v1/alerts/${encodeURIComponent(alert)}${verb}`;
    /** Sender keys are found through visibility, which lags a start: ask until `check` holds. */
    async function until(ask: () => Promise<{ status: number; json: Record<string, unknown> }>, status: number) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const answer = await ask();
        if (answer.status === status || Date.now() > deadline) return answer;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    it('acknowledges and resolves db-disk, the key as posted, though the alert is pd-<routing digest>-db-disk', async () => {
      const raised = await events(pdTrigger('db-disk'));
      expect(raised.status).toBe(202);
      const alertId = pagerdutyDedupKey('R0UTING0KEY', 'db-disk');
      expect(alertId).toMatch(/^pd-[0-9a-f]{8}-db-disk$/);
      expect(raised.json).toMatchObject({ dedup_key: 'db-disk', alert_id: alertId });
      const viewer = await tokenFor('vera', 'viewer');
      const operator = await tokenFor('olga', 'operator');

      const shown = await until(() => call(alertUrl('db-disk'), { token: viewer }), 200);
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({
        workflowId: alertWorkflowId(alertId),
        alert: { dedupKey: alertId, sourceKey: 'db-disk', source: 'pagerduty', status: 'triggered' },
      });
      expect((await call(alertUrl('db-disk', '/acknowledge'), { token: viewer, body: {} })).status).toBe(403);
      const acked = await call(alertUrl('db-disk', '/acknowledge'), { token: operator, body: { note: 'on it' } });
      expect(acked.status).toBe(200);
      expect(acked.json.alert).toMatchObject({
        dedupKey: alertId,
        status: 'acknowledged',
        acknowledged: { by: 'olga' },
      });
      expect(await statusOf(alertId)).toMatchObject({ status: 'acknowledged' });

      // The alert id and the workflow id name it as well, without a search.
      expect((await call(alertUrl(alertId), { token: viewer })).json).toMatchObject({
        alert: { status: 'acknowledged' },
      });
      const resolved = await call(alertUrl(alertWorkflowId(alertId), '/resolve'), { token: operator, body: {} });
      expect(resolved.status).toBe(200);
      expect(resolved.json.alert).toMatchObject({ status: 'resolved', resolved: { by: 'olga' } });
    });

    it('finds a sender key that is not safe in an id (the alert id carries its digest)', async () => {
      const senderKey = 'db-1/disk full';
      const raised = await events(pdTrigger(senderKey));
      expect(raised.json.alert_id).toBe(pagerdutyDedupKey('R0UTING0KEY', senderKey));
      const viewer = await tokenFor('vera', 'viewer');
      const shown = await until(() => call(alertUrl(senderKey), { token: viewer }), 200);
      expect(shown.json).toMatchObject({ alert: { sourceKey: senderKey, dedupKey: raised.json.alert_id } });
    });

    it('answers 404 naming both forms when nothing matches, 400 for what can name no alert', async () => {
      const missing = await call(alertUrl('no-such-alert'), { token: await tokenFor('vera', 'viewer') });
      expect(missing.status).toBe(404);
      expect(missing.json.message).toMatch(/no alert "no-such-alert".*alert id \(no workflow alert\/no-such-alert\)/);
      expect(missing.json.message).toMatch(/dedup key a sender gave.*PagerDuty dedup_key/);
      const control = await call(alertUrl('db\u0001disk'), { token: await tokenFor('vera', 'viewer') });
      expect(control.status).toBe(400);
      expect(control.json.message).toMatch(/must not contain control characters/);
    });

    it('refuses a sender key that names alerts of two integrations or two sources, listing their ids', async () => {
      const operator = await tokenFor('olga', 'operator');
      // The same dedup_key from two PagerDuty integrations (routing keys).
      await events(pdTrigger('shared-key'));
      await events({ ...pdTrigger('shared-key'), routing_key: 'OTHER0ROUTING' });
      const ids = [pagerdutyDedupKey('R0UTING0KEY', 'shared-key'), pagerdutyDedupKey('OTHER0ROUTING', 'shared-key')];
      // Asked (GET) until visibility lists both, then the acknowledge is refused and changes neither.
      await until(() => call(alertUrl('shared-key'), { token: operator }), 400);
      const twoIntegrations = await call(alertUrl('shared-key', '/acknowledge'), { token: operator, body: {} });
      expect(twoIntegrations.status).toBe(400);
      for (const id of ids) expect(twoIntegrations.json.message).toContain(id);
      expect(twoIntegrations.json.message).toMatch(/names 2 alerts.*give the alert id/);
      for (const id of ids) expect((await statusOf(id)).status).toBe('triggered'); // neither was acknowledged

      // An Alertmanager fingerprint equal to a PagerDuty dedup_key.
      const fingerprint = '0123456789abcdef';
      const groupKey = '{}:{alertname="Shared"}';
      expect((await amPost(amPayload('firing', [{ name: 'db-9', fingerprint }], groupKey))).status).toBe(200);
      expect((await events(pdTrigger(fingerprint))).status).toBe(202);
      const twoSources = await until(() => call(alertUrl(fingerprint), { token: operator }), 400);
      expect(twoSources.status).toBe(400);
      expect(twoSources.json.message).toContain(alertmanagerDedupKey(groupKey, fingerprint));
      expect(twoSources.json.message).toContain(pagerdutyDedupKey('R0UTING0KEY', fingerprint));
      expect(twoSources.json.message).toMatch(/alertmanager.*pagerduty|pagerduty.*alertmanager/);
    });
  });

  describe('Temporal unreachable', () => {
    it('answers 503 (Alertmanager and PagerDuty clients retry 5xx)', async () => {
      // A client whose server is a closed port: every call fails as when Temporal is down.
      const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, ...clientConnectionOptions() }); // as npm start's gateway connects
      const down = await startGateway(
        { client: new Client({ connection }) } as unknown as TestWorkflowEnvironment,
        world.store,
        world.taskQueue,
        {
          alerts: { temporalDeadlineMs: 2_000 },
        },
      );
      try {
        const am = await amPost(amPayload('firing', [{ name: 'down-1', fingerprint: 'down1' }]), undefined, down.url);
        expect(am.status).toBe(503);
        expect(am.json).toMatchObject({
          error: 'unavailable',
          message: expect.stringMatching(/Temporal is unreachable/),
        });
        expect((await call(`${down.url}/v1/events`, { body: pdTrigger('down') })).status).toBe(503);
        // Bad input is still 400 without asking Temporal.
        expect((await amPost({ version: '4' }, undefined, down.url)).status).toBe(400);
      } finally {
        await down.app.close();
        await connection.close().catch(() => undefined);
      }
    }, 60_000);
  });

  describe('POST /v1/slack/interactivity', () => {
    const key = pagerdutyDedupKey('R0UTING0KEY', 'slack-buttons');
    const form = (actionId: string, value: string, user = 'U024BE7LH') =>
      `payload=${encodeURIComponent(
        JSON.stringify({
          type: 'block_actions',
          user: { id: user, username: 'ann' },
          actions: [{ action_id: actionId, value, action_ts: `${Date.now() / 1000}` }],
        }),
      )}`;
    const slack = (body: string, headers: Record<string, string>) =>
      call(`${world.url}/v1/slack/interactivity`, {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
    const signed = (body: string, at = Math.floor(Date.now() / 1000)) =>
      slack(body, {
        'x-slack-request-timestamp': String(at),
        'x-slack-signature': slackSignature(SIGNING_SECRET, String(at), body),
      });

    beforeAll(async () => {
      expect(
        (await call(`${world.url}/v1/events`, { token: EVENTS_TOKEN, body: pdTrigger('slack-buttons') })).status,
      ).toBe(202);
      await eventually(key, (v) => v.status === 'triggered');
    });

    it('refuses missing, invalid and stale signatures with 401 and a reason, and changes nothing', async () => {
      const body = form('alert_ack', key);
      const missing = await slack(body, {});
      expect(missing.status).toBe(401);
      expect(missing.json.message).toMatch(/missing x-slack-signature/);
      const now = String(Math.floor(Date.now() / 1000));
      const invalid = await slack(body, {
        'x-slack-request-timestamp': now,
        'x-slack-signature': slackSignature('another-secret', now, body),
      });
      expect(invalid.status).toBe(401);
      expect(invalid.json.message).toMatch(/does not match/);
      const stale = await signed(body, Math.floor(Date.now() / 1000) - 6 * 60);
      expect(stale.status).toBe(401);
      expect(stale.json.message).toMatch(/more than 5 minutes/);
      // Tampered after signing.
      const at = String(Math.floor(Date.now() / 1000));
      const tampered = await slack(form('alert_resolve', key), {
        'x-slack-request-timestamp': at,
        'x-slack-signature': slackSignature(SIGNING_SECRET, at, body),
      });
      expect(tampered.status).toBe(401);
      expect((await statusOf(key)).status).toBe('triggered');
    });

    it('acknowledges and resolves from the buttons as the Slack user; a refused update is 200 with ok:false', async () => {
      const ack = await signed(form('alert_ack', key));
      expect(ack).toMatchObject({ status: 200, json: { ok: true } });
      expect(await statusOf(key)).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'slack:U024BE7LH' } });

      const resolved = await signed(form('alert_resolve', key, 'U0BOB0001'));
      expect(resolved).toMatchObject({ status: 200, json: { ok: true } });
      expect(await world.env.client.workflow.getHandle(alertWorkflowId(key)).result()).toMatchObject({
        status: 'resolved',
        resolved: { by: 'slack:U0BOB0001' },
      });

      const again = await signed(form('alert_resolve', key));
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ ok: false, error: expect.any(String) });
      const unknown = await signed(form('alert_ack', 'no-such-alert'));
      expect(unknown.json).toMatchObject({ ok: false });
    });

    it('acknowledges other interactions with 200 and does nothing; a signed body without payload is 400', async () => {
      expect((await signed(form('some_other_button', key))).json).toMatchObject({ ok: true, ignored: true });
      expect((await signed('foo=bar')).status).toBe(400);
    });

    it('answers Slack before a slow update finishes, and the update still lands', async () => {
      const pendingKey = pagerdutyDedupKey('R0UTING0KEY', 'slack-slow');
      expect(
        (await call(`${world.url}/v1/events`, { token: EVENTS_TOKEN, body: pdTrigger('slack-slow') })).status,
      ).toBe(202);
      await eventually(pendingKey, (v) => v.status === 'triggered');
      // Answer at once: every update is "slow" for this gateway.
      const hasty = await startGateway(world.env, world.store, world.taskQueue, {
        alerts: { slackSigningSecret: SIGNING_SECRET, slackAnswerWithinMs: 0 },
      });
      try {
        const body = form('alert_ack', pendingKey);
        const at = String(Math.floor(Date.now() / 1000));
        const answered = await call(`${hasty.url}/v1/slack/interactivity`, {
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': at,
            'x-slack-signature': slackSignature(SIGNING_SECRET, at, body),
          },
        });
        expect(answered).toMatchObject({ status: 200, json: { ok: true, pending: true } });
        await eventually(pendingKey, (v) => v.status === 'acknowledged');
      } finally {
        await hasty.app.close();
      }
    });

    it('refuses everything with 401 when no signing secret is configured', async () => {
      const body = form('alert_ack', key);
      const at = String(Math.floor(Date.now() / 1000));
      const refused = await call(`${openUrl}/v1/slack/interactivity`, {
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': at,
          'x-slack-signature': slackSignature(SIGNING_SECRET, at, body),
        },
      });
      expect(refused.status).toBe(401);
      expect(refused.json.message).toMatch(/SLACK_SIGNING_SECRET/);
    });
  });

  it('documents the alert routes in the OpenAPI document', async () => {
    const paths = (await call(`${world.url}/openapi.json`)).json.paths as Record<
      string,
      Record<string, { requestBody?: unknown }>
    >;
    expect(JSON.stringify(paths['/v1/events']?.post?.requestBody)).toContain('event_action');
    expect(JSON.stringify(paths['/v1/silences']?.post?.requestBody)).toContain('matchers');
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/alerts/alertmanager',
        '/v1/events',
        '/v1/slack/interactivity',
        '/v1/silences',
        '/v1/silences/{id}',
        '/v1/workflows/alertEscalation',
      ]),
    );
  });

  describe('/v1/silences', () => {
    it('operators create and expire, viewers list, bad input is 400 naming the field', async () => {
      const [viewer, operator] = await Promise.all([tokenFor('vera', 'viewer'), tokenFor('olga', 'operator')]);
      const body = {
        matchers: ['service="db"', 'env=~"prod|staging"'],
        duration: '2h',
        comment: 'database maintenance',
      };
      expect((await call(`${world.url}/v1/silences`, { token: viewer, body })).status).toBe(403);
      expect((await call(`${world.url}/v1/silences`, { body })).status).toBe(401);

      const created = await call(`${world.url}/v1/silences`, { token: operator, body });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        createdBy: 'olga',
        comment: 'database maintenance',
        state: 'active',
        matchers: [
          { name: 'service', op: '=', value: 'db' },
          { name: 'env', op: '=~', value: 'prod|staging' },
        ],
      });
      expect(Date.parse(created.json.endsAt as string) - Date.parse(created.json.startsAt as string)).toBe(
        2 * 3_600_000,
      );

      const listed = await call(`${world.url}/v1/silences`, { token: viewer });
      expect(listed.status).toBe(200);
      expect((listed.json.silences as { id: string }[]).map((s) => s.id)).toContain(created.json.id);

      const expired = await call(`${world.url}/v1/silences/${created.json.id}`, { method: 'DELETE', token: operator });
      expect(expired).toMatchObject({ status: 200, json: { id: created.json.id, state: 'expired' } });
      expect(
        (await call(`${world.url}/v1/silences/${created.json.id}`, { method: 'DELETE', token: operator })).status,
      ).toBe(404);
      expect(
        (await call(`${world.url}/v1/silences/${created.json.id}`, { method: 'DELETE', token: viewer })).status,
      ).toBe(403);
      const current = await call(`${world.url}/v1/silences`, { token: viewer });
      expect((current.json.silences as { id: string }[]).map((s) => s.id)).not.toContain(created.json.id);
      const all = await call(`${world.url}/v1/silences?state=all`, { token: viewer });
      expect((all.json.silences as { id: string; state: string }[]).find((s) => s.id === created.json.id)?.state).toBe(
        'expired',
      );

      for (const [bad, message] of [
        [{ ...body, matchers: ['service'] }, /matchers\.0/],
        [{ ...body, duration: undefined }, /endsAt: give either endsAt or duration/],
        [{ ...body, comment: '' }, /comment/],
        [{ matchers: ['service=~".*"'], duration: '1h', comment: 'all' }, /silence every alert/],
        [{ ...body, duration: undefined, endsAt: '2020-01-01T00:00:00Z' }, /endsAt: must be after the start/],
      ] as const) {
        const refused = await call(`${world.url}/v1/silences`, { token: operator, body: bad });
        expect(refused.status).toBe(400);
        expect(refused.json.message).toMatch(message);
      }
    });
  });
});
