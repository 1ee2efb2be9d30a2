import { ErrorCode, LogLevel, WebClient, type WebAPIHTTPError, type WebAPIPlatformError } from '@slack/web-api';
import nodemailer from 'nodemailer';
import { parseAlertmanagerWebhook } from '../../domain/alerts/intake-schemas';
import { alertWorkflowId, isSafeDedupKey } from '../../domain/alerts/dedup';
import {
  startAlertmanager,
  startWebhookRecorder,
  type ReceivedWebhook,
  type RunningAlertmanager,
  type WebhookRecorder,
} from '../support/alertmanager';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';

const BOT_TOKEN = 'xoxb-test-0123456789';

describe('Slack Web API stand-in, through the official @slack/web-api client', () => {
  let slack: SlackApiServer;
  const client = (token = BOT_TOKEN, extra: ConstructorParameters<typeof WebClient>[1] = {}) =>
    new WebClient(token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
      ...extra,
    });

  beforeAll(async () => {
    slack = await startSlackApiServer({ token: BOT_TOKEN });
  });
  afterEach(() => slack.reset());
  afterAll(() => slack.close());

  it('answers auth.test with the bot identity and checks the bearer token', async () => {
    await expect(client().auth.test()).resolves.toMatchObject({
      ok: true,
      team_id: 'T0ARXFLOW',
      user_id: 'U0ARXBOT1',
      bot_id: 'B0ARXBOT1',
    });
    const refused = await client('xoxb-wrong')
      .auth.test()
      .catch((err: WebAPIPlatformError) => err);
    expect(refused).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'invalid_auth' } });
    expect(slack.calls('auth.test').map((c) => [c.token, c.outcome])).toEqual([
      [BOT_TOKEN, 'ok'],
      ['xoxb-wrong', 'invalid_auth'],
    ]);
  });

  it('posts Block Kit messages (form-encoded by the client) and updates them in place', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*CRITICAL* disk full on web-1' } },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'ack', text: { type: 'plain_text', text: 'Ack' }, value: 'am-123' }],
      },
    ];
    const posted = await client().chat.postMessage({ channel: '#ops', text: 'CRITICAL disk full on web-1', blocks });
    expect(posted).toMatchObject({
      ok: true,
      channel: expect.stringMatching(/^C[A-Z0-9]+$/),
      ts: expect.stringMatching(/^\d+\.\d+$/),
    });
    const [call] = slack.calls('chat.postMessage');
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(call?.params).toMatchObject({ channel: '#ops', text: 'CRITICAL disk full on web-1', blocks });

    const dm = await client().chat.postMessage({ channel: 'U024BE7LH', text: 'you are on call' });
    expect(dm.channel).toBe('D024BE7LH');

    const updated = await client().chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: 'Acknowledged by ann',
      blocks: [],
    });
    expect(updated).toMatchObject({ ok: true, channel: posted.channel, ts: posted.ts });
    expect(slack.messages().find((m) => m.ts === posted.ts)).toMatchObject({
      text: 'Acknowledged by ann',
      blocks: [],
      updates: 1,
    });

    const missing = await client()
      .chat.update({ channel: posted.channel!, ts: '1.000000', text: 'x' })
      .catch((err: WebAPIPlatformError) => err);
    expect(missing).toMatchObject({ data: { error: 'message_not_found' } });
    const noText = await client()
      .chat.postMessage({ channel: '#ops' } as never)
      .catch((err: WebAPIPlatformError) => err);
    expect(noText).toMatchObject({ data: { error: 'no_text' } });
  });

  it('accepts JSON bodies as Slack does for write methods', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C024BE91L', text: 'json body', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C024BE91L' });
    expect(slack.calls('chat.postMessage')[0]?.params).toEqual({
      channel: 'C024BE91L',
      text: 'json body',
      blocks: [{ type: 'divider' }],
    });
    const broken = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: '{"channel":',
    });
    expect(await broken.json()).toEqual({ ok: false, error: 'invalid_json' });
  });

  it('rate-limits with 429 and Retry-After; the client waits and retries', async () => {
    slack.failNext('chat.postMessage', 2, 'ratelimited', 0);
    const posted = await client(BOT_TOKEN, {
      retryConfig: { retries: 3, minTimeout: 10, maxTimeout: 20 },
    }).chat.postMessage({ channel: '#ops', text: 'third time' });
    expect(posted.ok).toBe(true);
    expect(slack.calls('chat.postMessage').map((c) => c.outcome)).toEqual(['ratelimited', 'ratelimited', 'ok']);
    expect(slack.messages()).toHaveLength(1);

    slack.failNext('chat.postMessage', 1, 'ratelimited', 7);
    const rejected = await client(BOT_TOKEN, { rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: '#ops', text: 'x' })
      .catch((err: Error) => err);
    expect(rejected).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it('fails with HTTP 500 for as many calls as told, then recovers', async () => {
    slack.failNext('chat.update', 1, 'server_error');
    slack.failNext('chat.postMessage', 1, 'server_error');
    const failed = await client()
      .chat.postMessage({ channel: '#ops', text: 'x' })
      .catch((err: WebAPIHTTPError) => err);
    expect(failed).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    await expect(client().chat.postMessage({ channel: '#ops', text: 'x' })).resolves.toMatchObject({ ok: true });
    slack.failNext('chat.postMessage', 1, { error: 'channel_not_found' });
    await expect(client().chat.postMessage({ channel: '#gone', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect(slack.calls().map((c) => `${c.method}:${c.outcome}`)).toEqual([
      'chat.postMessage:http_500',
      'chat.postMessage:ok',
      'chat.postMessage:channel_not_found',
    ]);
  });
});

describe('SMTP stand-in, through nodemailer', () => {
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { user: 'arxflow', pass: 's3cret pass' } });
  });
  afterEach(() => smtp.reset());
  afterAll(() => smtp.close());

  it('receives a multipart message with envelope, headers and decoded bodies', async () => {
    const transport = nodemailer.createTransport(smtp.url);
    const info = await transport.sendMail({
      from: 'arxflow <alerts@arxflow.test>',
      to: ['oncall@example.com', 'lead@example.com'],
      subject: '[CRITICAL] Überlauf: disk full on web-1',
      text: 'Disk full on web-1 — 97% used.\nAck: https://arxflow.test/alerts/am-1',
      html: '<p>Disk full on <b>web-1</b> — 97% used.</p>',
      headers: { 'X-Arxflow-Alert': 'am-1' },
    });
    expect(info.accepted).toEqual(['oncall@example.com', 'lead@example.com']);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail).toMatchObject({
      from: 'alerts@arxflow.test',
      to: ['oncall@example.com', 'lead@example.com'],
      user: 'arxflow',
      subject: '[CRITICAL] Überlauf: disk full on web-1',
      text: 'Disk full on web-1 — 97% used.\nAck: https://arxflow.test/alerts/am-1',
      html: '<p>Disk full on <b>web-1</b> — 97% used.</p>',
    });
    expect(mail?.headers['x-arxflow-alert']).toBe('am-1');
    expect(mail?.headers['message-id']).toBe(info.messageId);
    transport.close();
  });

  it('refuses wrong credentials and answers 451 when told, so senders retry', async () => {
    const url = new URL(smtp.url);
    url.password = 'wrong';
    const wrong = nodemailer.createTransport(url.toString());
    await expect(
      wrong.sendMail({ from: 'a@arxflow.test', to: 'b@example.com', subject: 'x', text: 'x' }),
    ).rejects.toMatchObject({ code: 'EAUTH' });
    wrong.close();

    smtp.rejectNext(1);
    const transport = nodemailer.createTransport(smtp.url);
    const send = () =>
      transport.sendMail({ from: 'a@arxflow.test', to: 'b@example.com', subject: 'retry me', text: 'x' });
    await expect(send()).rejects.toMatchObject({ responseCode: 451 });
    await expect(send()).resolves.toMatchObject({ accepted: ['b@example.com'] });
    expect(smtp.messages().map((m) => m.subject)).toEqual(['retry me']);
    transport.close();
  });
});

describe('a real Alertmanager posting webhooks', () => {
  const TOKEN = 'am-webhook-token-0123456789';
  let recorder: WebhookRecorder;
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    recorder = await startWebhookRecorder();
    alertmanager = await startAlertmanager({
      webhookUrl: `${recorder.url}/v1/alerts/alertmanager`,
      bearerToken: TOKEN,
      groupBy: ['alertname', 'service'],
    });
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await recorder?.close();
  });

  const payloadOf = (hook: ReceivedWebhook) => hook.body as { status: string; alerts: { status: string }[] };

  it('delivers a firing then a resolved v4 payload with the bearer token, which our intake parses', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = {
      labels: { alertname: 'DiskFull', service: 'storage', instance: 'web-1:9100', severity: 'critical' },
      annotations: { summary: 'Disk full on web-1', runbook_url: 'https://runbooks.arxflow.test/disk-full' },
      startsAt,
      generatorURL: 'http://prometheus.test/graph?g0.expr=disk',
    };
    await alertmanager.postAlerts([alert]);
    const firing = await recorder.waitFor((hook) => payloadOf(hook).status === 'firing');
    expect(firing.path).toBe('/v1/alerts/alertmanager');
    expect(firing.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(firing.headers['content-type']).toMatch(/^application\/json/);
    expect(firing.body).toMatchObject({
      version: '4',
      receiver: 'arxflow',
      truncatedAlerts: 0,
      groupLabels: { alertname: 'DiskFull', service: 'storage' },
    });

    const fired = parseAlertmanagerWebhook(firing.body);
    expect(fired.events).toHaveLength(1);
    const [event] = fired.events;
    expect(event).toMatchObject({
      source: 'alertmanager',
      action: 'trigger',
      severity: 'critical',
      summary: 'Disk full on web-1',
      service: 'storage',
      startsAt: new Date(Date.parse(startsAt)).toISOString(),
      labels: alert.labels,
    });
    expect(event?.endsAt).toBeUndefined();
    expect(event?.links.map((l) => l.text)).toEqual(['Source', 'Runbook', 'Alertmanager']);
    expect(isSafeDedupKey(event!.dedupKey)).toBe(true);
    expect(alertWorkflowId(event!.dedupKey)).toMatch(/^alert\/am-[0-9a-f]{64}$/);

    await alertmanager.postAlerts([{ ...alert, endsAt: new Date().toISOString() }]);
    const resolved = await recorder.waitFor((hook) => payloadOf(hook).status === 'resolved');
    expect(resolved.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const [resolvedEvent] = parseAlertmanagerWebhook(resolved.body).events;
    // Same alert, same group: the resolve reaches the same workflow.
    expect(resolvedEvent).toMatchObject({ action: 'resolve', dedupKey: event!.dedupKey, sourceKey: event!.sourceKey });
    expect(resolvedEvent?.endsAt).toBeDefined();
  });
});

describe('a real Alertmanager truncating a group (max_alerts: 1)', () => {
  let recorder: WebhookRecorder;
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    recorder = await startWebhookRecorder();
    // Both alerts must be in the group when it first flushes: Alertmanager inserts the alerts of
    // one POST one by one, and on a loaded machine 1 s of group_wait could pass in between.
    alertmanager = await startAlertmanager({
      webhookUrl: recorder.url,
      groupBy: ['alertname'],
      maxAlerts: 1,
      groupWait: '3s',
    });
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await recorder?.close();
  });

  it('reports truncatedAlerts with commonLabels of the kept alert only, which the intake does not trust', async () => {
    const startsAt = new Date(Date.now() - 1_000).toISOString();
    await alertmanager.postAlerts([
      { labels: { alertname: 'HighLatency', service: 'api', instance: 'a', severity: 'warning' }, startsAt },
      { labels: { alertname: 'HighLatency', service: 'api', instance: 'b', severity: 'critical' }, startsAt },
    ]);
    const hook = await recorder.waitFor(() => true);
    const body = hook.body as { truncatedAlerts: number; alerts: unknown[]; commonLabels: Record<string, string> };
    expect(hook.headers.authorization).toBeUndefined();
    expect(body.truncatedAlerts).toBe(1);
    expect(body.alerts).toHaveLength(1);
    // Alertmanager 0.25 computes commonLabels over the alerts it kept: they claim one instance and severity for the whole group.
    expect(Object.keys(body.commonLabels)).toContain('instance');
    const batch = parseAlertmanagerWebhook(body);
    expect(batch.truncatedAlerts).toBe(1);
    expect(batch.commonLabels).toEqual({ alertname: 'HighLatency' });
    expect(batch.events[0]?.labels).toEqual(
      body.alerts.length === 1 ? (body.alerts[0] as { labels: object }).labels : {},
    );
  });
});
