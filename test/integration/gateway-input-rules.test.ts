import { loadWebhookSources } from '../../gateway/webhooks/routes';
import { signGithub } from '../../platform/webhook-signatures';
import { slackSignature } from '../../gateway/slack/signature';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

const TRACKER_SECRET = 'tracker-secret-0123456789';
const SLACK_SECRET = 'slack-signing-secret-0123456789';
const webhookSources = loadWebhookSources(
  {
    tracker: {
      scheme: 'github',
      secrets: [TRACKER_SECRET],
      events: [
        {
          when: { action: 'opened' },
          action: 'start',
          workflowType: 'durabilityProbe',
          workflowId: 'issue/{{issue.id}}',
          args: { sleep: '1 hour', label: '{{issue.title}}' },
        },
      ],
    },
  },
  {},
);

/** Raw JSON text: JSON.stringify would escape nothing here, and a lone surrogate must reach the gateway as `\ud800`. */
const LONE = '"\\ud800"';

interface Operation {
  security?: Record<string, string[]>[];
}
type OpenApi = { security?: Record<string, string[]>[]; paths: Record<string, Record<string, Operation>> };

// Owned by the codec server (gateway/codec-routes.ts): anonymous callers are served
// by design there (unstamped encode; decode without encryption), so its routes are not
// "bearer required" although the document does not mark them public.
const PUBLIC_BY_DESIGN = [/^\/codec\//, /^\/v1\/ui-session$/];

describe('gateway input rules on a dev server', () => {
  const world = useDevServerWorld('input-rules', {
    gateway: {
      webhookSources,
      alerts: {
        slackSigningSecret: SLACK_SECRET,
        tokens: {
          alertmanager: 'am-token-0123456789',
          events: 'events-token-0123456789',
          metrics: 'metrics-token-0123456789',
        },
      },
    },
  });

  describe('authentication before body validation', () => {
    it('every route of /openapi.json that requires a bearer token answers an anonymous call with a bad body 401, not 400', async () => {
      const doc = (await call(`${world.url}/openapi.json`)).json as unknown as OpenApi;
      const protectedOps: [string, string][] = [];
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const security = operation.security ?? doc.security ?? [];
          if (
            security.some((requirement) => 'bearer' in requirement) &&
            !PUBLIC_BY_DESIGN.some((pattern) => pattern.test(path))
          ) {
            protectedOps.push([method.toUpperCase(), path]);
          }
        }
      }
      expect(protectedOps.length).toBeGreaterThan(20);
      expect(protectedOps).toEqual(
        expect.arrayContaining([
          ['POST', '/v1/workflows/durabilityProbe'],
          ['POST', '/v1/workflows/{workflowId}/signals/{name}'],
          ['PUT', '/v1/task-triggers/{id}'],
        ]),
      );

      const answers: string[] = [];
      for (const [method, path] of protectedOps) {
        const url = `${world.url}${path.replace(/\{[^}]+\}/g, 'x')}?limit=-1`;
        const withBody = !['GET', 'DELETE', 'HEAD'].includes(method);
        const response = await fetch(url, {
          method,
          headers: withBody ? { 'content-type': 'application/json' } : {},
          body: withBody ? `{"unexpected": [${LONE}, 1], "sleep": 5}` : undefined,
        });
        answers.push(`${method} ${path} ${response.status}`);
      }
      expect(answers).toEqual(protectedOps.map(([method, path]) => `${method} ${path} 401`));
    });

    it('a token without the role gets 403 before the body is validated', async () => {
      const viewer = await tokenFor('vera', 'viewer');
      const refused = await call(`${world.url}/v1/workflows/durabilityProbe`, { token: viewer, body: { sleep: 12 } });
      expect(refused.status).toBe(403);
    });
  });

  describe('text that is not valid Unicode', () => {
    const listed = async (query: string) => {
      const token = await tokenFor('vera', 'viewer');
      const found = await call(`${world.url}/v1/workflows?query=${encodeURIComponent(query)}`, { token });
      return (found.json.workflows as unknown[] | undefined) ?? [];
    };

    it('a lone surrogate in a start body is 400 naming the field; nothing is started', async () => {
      const operator = await tokenFor('olga', 'operator');
      const refused = await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: operator,
        body: `{"sleep": "1 hour", "label": ${LONE}}`,
      });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({
        error: 'bad_input',
        message: expect.stringMatching(/^body\.label: not valid Unicode \(lone surrogate U\+D800/),
      });
      const nested = await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: operator,
        body: `{"sleep": "1 hour", "label": "ok", "x": {"a b": [0, "\\udc00"]}}`,
      });
      expect(nested.json.message).toMatch(/^body\.x\["a b"\]\[1\]: not valid Unicode \(lone surrogate U\+DC00/);
      expect(await listed("WorkflowType = 'durabilityProbe'")).toEqual([]);
    });

    it('a lone surrogate in a signal body is 400 naming the field; the workflow gets no signal', async () => {
      const operator = await tokenFor('olga', 'operator');
      const started = await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: operator,
        body: { sleep: '1 hour', label: 'unicode-signal' },
      });
      expect(started.status).toBe(201);
      const workflowId = started.json.workflowId as string;
      const refused = await call(`${world.url}/v1/workflows/${encodeURIComponent(workflowId)}/signals/wakeUp`, {
        token: operator,
        body: `{"reason": ${LONE}}`,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/^body\.reason: not valid Unicode/);
      const history = await world.env.client.workflow.getHandle(workflowId).fetchHistory();
      expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
    });

    it('a lone surrogate in a signed webhook is 400 naming the field (the sender stops retrying); nothing started, no delivery recorded', async () => {
      const body = `{"action": "opened", "issue": {"id": 77, "title": ${LONE}}}`;
      const response = await fetch(`${world.url}/v1/webhooks/tracker`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signGithub(body, TRACKER_SECRET),
          'x-github-delivery': 'unicode-1',
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /^body\.issue\.title: not valid Unicode/,
      );
      expect(await world.store.db.query('SELECT * FROM webhook_deliveries')).toEqual([]);
      await expect(world.env.client.workflow.getHandle('issue/77').describe()).rejects.toThrow(/not found/i);

      // Unsigned, it is refused for the signature first: nothing about the body is told.
      const unsigned = await fetch(`${world.url}/v1/webhooks/tracker`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(unsigned.status).toBe(401);
    });

    it('a lone surrogate in a signed Slack interactivity form is 400 naming the field', async () => {
      const payload = `{"type": "block_actions", "user": {"id": ${LONE}}, "actions": [{"action_id": "alert_ack", "value": "k"}]}`;
      const body = `payload=${encodeURIComponent(payload)}`;
      const at = String(Math.floor(Date.now() / 1000));
      const refused = await call(`${world.url}/v1/slack/interactivity`, {
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': at,
          'x-slack-signature': slackSignature(SLACK_SECRET, at, body),
        },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/^payload\.user\.id: not valid Unicode/);
    });

    it('a lone surrogate in the alert intake is 400 naming the field', async () => {
      const refused = await call(`${world.url}/v1/events`, {
        headers: { authorization: 'Bearer events-token-0123456789' },
        body: `{"routing_key": "r", "event_action": "trigger", "dedup_key": "u-1", "payload": {"summary": ${LONE}, "source": "s", "severity": "error"}}`,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/^body\.payload\.summary: not valid Unicode/);
    });
  });
});
