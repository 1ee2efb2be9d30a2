import { slackSignature } from '../../gateway/slack/signature';
import { NLP_AUDIT_ACTION } from '../../domain/nlp/nlp-audit';
import { configFileSchema } from '../../domain/config-file';
import { call } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

const SECRET = 'slack-signing-secret-nlp-0123456789';
const MAPPED = 'U0ANN0001';

describe('/arxflow slash command and its Confirm button on a dev server', () => {
  const world = useDevServerWorld('nlp-slack', {
    gateway: {
      alerts: { slackSigningSecret: SECRET, slackUsers: { [MAPPED]: { subject: 'ann', roles: ['viewer'] } } },
    },
  });
  const post = (route: string, body: string, at: number, secret = SECRET) =>
    call(`${world.url}${route}`, {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(at),
        'x-slack-signature': slackSignature(secret, String(at), body),
      },
    });
  const now = () => Math.floor(Date.now() / 1000);
  const slash = (text: string, user = MAPPED) =>
    new URLSearchParams({ command: '/arxflow', text, user_id: user, team_id: 'T1' }).toString();
  const click = (actionId: string, value: string, user = MAPPED) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: user },
        actions: [{ action_id: actionId, value, action_ts: `${Date.now() / 1000}` }],
      }),
    )}`;
  const nlpAudits = async (text: string) =>
    (
      await world.store.db.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM audit_events WHERE action = $1 AND data->>'text' = $2`,
        [NLP_AUDIT_ACTION, text],
      )
    )[0]!.n;

  it('answers a validly signed command with the translation and Confirm / Cancel; refuses invalid and stale signatures', async () => {
    const body = slash('list open alerts');
    const answer = await post('/v1/slack/commands', body, now());
    expect(answer.status).toBe(200);
    expect(answer.json.text).toBe('arxflow alerts list --status open');
    const actions = (answer.json.blocks as { type: string; elements?: { action_id: string }[] }[]).find(
      (b) => b.type === 'actions',
    );
    expect(actions?.elements?.map((e) => e.action_id)).toEqual(['nlp_confirm', 'nlp_cancel']);

    const invalid = await post('/v1/slack/commands', body, now(), 'another-secret');
    expect(invalid.status).toBe(401);
    expect(invalid.json.message).toMatch(/does not match/);
    const stale = await post('/v1/slack/commands', body, now() - 10 * 60);
    expect(stale.status).toBe(401);
    expect(stale.json.message).toMatch(/more than 5 minutes/);
  });

  it('Confirm runs the command once on a double click, as the mapped identity, audited once', async () => {
    const text = 'list open alerts please';
    const answer = await post('/v1/slack/commands', slash(text), now());
    const value = (answer.json.blocks as { type: string; elements?: { value: string }[] }[]).find(
      (b) => b.type === 'actions',
    )!.elements![0]!.value;
    const [first, second] = await Promise.all([
      post('/v1/slack/interactivity', click('nlp_confirm', value), now()),
      post('/v1/slack/interactivity', click('nlp_confirm', value), now()),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.json.ran, second.json.ran].sort()).toEqual([false, true]);
    expect([first.json, second.json].find((r) => r.ran)).toMatchObject({
      ok: true,
      command: 'arxflow alerts list --status open',
    });
    expect(Number(await nlpAudits(text))).toBe(1);
    const [entry] = await world.store.db.query<{ actor: string }>(
      `SELECT actor FROM audit_events WHERE action = $1 AND data->>'text' = $2`,
      [NLP_AUDIT_ACTION, text],
    );
    expect(entry!.actor).toBe('ann');
  });

  it('refuses an unmapped Slack user: no buttons, and a Confirm from them runs nothing', async () => {
    const answer = await post('/v1/slack/commands', slash('list open alerts', 'U0MALLORY'), now());
    expect(answer.status).toBe(200);
    expect(answer.json.blocks).toBeUndefined();
    expect(answer.json.text).toMatch(/U0MALLORY is not mapped/);
    const text = 'list open alerts now';
    const value = JSON.stringify({ text, nonce: 'n-unmapped' });
    const refused = await post('/v1/slack/interactivity', click('nlp_confirm', value, 'U0MALLORY'), now());
    expect(refused.json).toMatchObject({ ok: false, error: expect.stringMatching(/not mapped/) });
    expect(Number(await nlpAudits(text))).toBe(0);
  });

  it('Cancel runs nothing and audits nothing', async () => {
    const text = 'list open alerts, then cancel';
    const value = JSON.stringify({ text, nonce: 'n-cancel' });
    const cancelled = await post('/v1/slack/interactivity', click('nlp_cancel', value), now());
    expect(cancelled.json).toMatchObject({ ok: true, ran: false });
    expect(Number(await nlpAudits(text))).toBe(0);
  });

  it('reads slack.users from the config file; a bad id or role is refused naming the field', () => {
    const parsed = configFileSchema.parse({ slack: { users: { U0ANN0001: { subject: 'ann', roles: ['approver'] } } } });
    expect(parsed.slack.users.U0ANN0001).toEqual({ subject: 'ann', roles: ['approver'] });
    expect(configFileSchema.parse({}).slack.users).toEqual({});
    const bad = configFileSchema.safeParse({ slack: { users: { U0ANN0001: { subject: 'ann', roles: ['boss'] } } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['slack', 'users', 'U0ANN0001', 'roles', 0]);
    expect(configFileSchema.safeParse({ slack: { users: { ann: { subject: 'ann' } } } }).success).toBe(false);
  });
});
