import { slackSignature } from '../../gateway/slack/signature';
import { NLP_AUDIT_ACTION } from '../../domain/nlp/nlp-audit';
import { configFileSchema } from '../../domain/config-file';
import { call } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { runIntent } from '../../client/nlp/run-intent';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import { parseInput } from '../../domain/validation';

const SECRET = 'slack-signing-secret-nlp-0123456789';
const MAPPED = 'U0ANN0001';
const DEPLOYER = 'U0DEE0001';
/** One service with staging only: a production start from Slack is refused naming the environment, so the config was read. */
const DEPLOYMENTS = parseInput(
  deploymentsConfigSchema,
  {
    services: [
      {
        name: 'billing',
        environments: [
          {
            name: 'staging',
            target: {
              type: 'kubectl',
              kubectl: 'kubectl',
              namespace: 'staging',
              deployment: 'web',
              container: 'web',
              image: 'registry.test/web:{{version}}',
            },
          },
        ],
      },
    ],
  },
  'deployments',
);

describe('/arxflow slash command and its Confirm button on a dev server', () => {
  // A slow command: the real run, held until the test lets it go.
  let release: () => void = () => {};
  let held = Promise.resolve();
  let runs = 0;
  const world = useDevServerWorld('nlp-slack', {
    gateway: {
      alerts: {
        slackSigningSecret: SECRET,
        slackUsers: {
          [MAPPED]: { subject: 'ann', roles: ['viewer'] },
          [DEPLOYER]: { subject: 'dee', roles: ['deployer'] },
        },
        slackNlpRun: async (translation, services) => {
          runs++;
          await held;
          return runIntent(translation, services);
        },
      },
      deployments: { config: DEPLOYMENTS, configDir: __dirname },
    },
  });
  let responses: WebhookReceiver;
  beforeAll(async () => {
    responses = await startWebhookReceiver();
  });
  afterAll(() => responses?.close());
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
  const click = (actionId: string, value: string, user = MAPPED, responseUrl?: string) =>
    `payload=${encodeURIComponent(
      JSON.stringify({
        type: 'block_actions',
        user: { id: user },
        ...(responseUrl ? { response_url: responseUrl } : {}),
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

  it('Confirm answers at once while a slow command runs, once on a double click; the result replaces the message', async () => {
    const text = 'list open alerts please';
    const answer = await post('/v1/slack/commands', slash(text), now());
    const value = (answer.json.blocks as { type: string; elements?: { value: string }[] }[]).find(
      (b) => b.type === 'actions',
    )!.elements![0]!.value;
    held = new Promise((resolve) => (release = resolve));
    const started = Date.now();
    const [first, second] = await Promise.all([
      post('/v1/slack/interactivity', click('nlp_confirm', value, MAPPED, `${responses.url}/confirm`), now()),
      post('/v1/slack/interactivity', click('nlp_confirm', value, MAPPED, `${responses.url}/confirm`), now()),
    ]);
    // Both answered while the run is still held: Slack's 3 s are not spent on the command.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(responses.to('/confirm')).toHaveLength(0);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.json.ran, second.json.ran].sort()).toEqual([false, true]);
    expect([first.json, second.json].find((r) => r.ran)).toMatchObject({
      ok: true,
      pending: true,
      command: 'arxflow alerts list --status open',
      text: 'running arxflow alerts list --status open…',
    });
    release();
    await waitFor(() => responses.to('/confirm').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a second post would have come by now
    expect(runs).toBe(1);
    const posted = responses.to('/confirm');
    expect(posted).toHaveLength(1);
    const message = JSON.parse(posted[0]!.body.toString('utf8')) as { replace_original: boolean; text: string };
    expect(message.replace_original).toBe(true);
    expect(message.text).toMatch(/^`arxflow alerts list --status open` done\./);
    expect(Number(await nlpAudits(text))).toBe(1);
    const [entry] = await world.store.db.query<{ actor: string }>(
      `SELECT actor FROM audit_events WHERE action = $1 AND data->>'text' = $2`,
      [NLP_AUDIT_ACTION, text],
    );
    expect(entry!.actor).toBe('ann');
  });

  it('a refused run tells its reason through response_url; deploy starts read the deployments config', async () => {
    const confirm = async (text: string, path: string) => {
      const value = JSON.stringify({ text, nonce: `n-${path}` });
      const answer = await post(
        '/v1/slack/interactivity',
        click('nlp_confirm', value, DEPLOYER, responses.url + path),
        now(),
      );
      expect(answer.json).toMatchObject({ ok: true, ran: true, pending: true });
      await waitFor(() => responses.to(path).length > 0);
      return (JSON.parse(responses.to(path)[0]!.body.toString('utf8')) as { text: string }).text;
    };
    expect(await confirm('deploy nosuchservice 1.2.3 to staging', '/unknown-service')).toMatch(
      /^`arxflow deploy start nosuchservice 1\.2\.3 --env staging` refused: service: .*nosuchservice/,
    );
    // billing is configured (no longer "service" refused), production is not: nothing starts.
    expect(await confirm('deploy billing 1.2.3 to production', '/unknown-env')).toMatch(/refused: environment: /);
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

async function waitFor(done: () => boolean, withinMs = 20_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
