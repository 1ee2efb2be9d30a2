import { SignJWT } from 'jose';
import { drawRequest, setUpFundingProject } from '../fixtures/funding-gate';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

describe('gateway /v1 API on a dev server', () => {
  const world = useDevServerWorld('api');
  const tokens: Record<string, string> = {};
  const probe = (id: string) => `${world.url}/v1/workflows/${encodeURIComponent(id)}`;

  beforeAll(async () => {
    tokens.viewer = await tokenFor('vera', 'viewer');
    tokens.operator = await tokenFor('olga', 'operator');
    tokens.admin = await tokenFor('adam', 'admin');
  });

  describe('authentication and roles', () => {
    it('401 without a token, with a token signed by another secret, and with an expired token', async () => {
      expect((await call(`${world.url}/v1/workflows`)).status).toBe(401);
      const forged = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setIssuer('arxflow')
        .setAudience('arxflow')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('another-secret-another-secret-!!'));
      const forgedCall = await call(`${world.url}/v1/workflows`, { token: forged });
      expect(forgedCall.status).toBe(401);
      expect(forgedCall.json.message).toMatch(/signature/);
      const expired = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('old')
        .setIssuer('arxflow')
        .setAudience('arxflow')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(TEST_SETTINGS.auth.jwtSecret!));
      const expiredCall = await call(`${world.url}/v1/workflows`, { token: expired });
      expect(expiredCall.status).toBe(401);
      expect(expiredCall.json.message).toMatch(/exp/);
    });

    it('403 when the role does not allow the route, and nothing is started', async () => {
      const refused = await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.viewer,
        body: { sleep: '1 hour', label: 'viewer-try' },
      });
      expect(refused.status).toBe(403);
      expect((await call(probe('durability-probe/viewer-try'), { token: tokens.viewer })).status).toBe(404);
      expect((await call(`${world.url}/v1/audit/verify`, { token: tokens.operator })).status).toBe(403);
    });
  });

  describe('workflows', () => {
    it('starts by business key: 201, then 409 for the same key', async () => {
      const body = { sleep: '1 hour', label: 'api-start' };
      const first = await call(`${world.url}/v1/workflows/durabilityProbe`, { token: tokens.operator, body });
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({ workflowId: 'durability-probe/api-start' });
      const again = await call(`${world.url}/v1/workflows/durabilityProbe`, { token: tokens.operator, body });
      expect(again.status).toBe(409);
      const described = await call(probe('durability-probe/api-start'), { token: tokens.viewer });
      expect(described.json).toMatchObject({ type: 'durabilityProbe', status: 'RUNNING', taskQueue: world.taskQueue });
    });

    it('400 naming the field for a bad start body; nothing started', async () => {
      const bad = await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.operator,
        body: { sleep: 'soon', label: 'bad-body' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.message).toMatch(/sleep/);
      expect((await call(probe('durability-probe/bad-body'), { token: tokens.viewer })).status).toBe(404);
    });

    it('takes the identity from the token: actor is the subject, an actor in the body is refused', async () => {
      await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.operator,
        body: { sleep: '1 hour', label: 'api-update' },
      });
      const spoofed = await call(`${probe('durability-probe/api-update')}/updates/wakeUp`, {
        token: tokens.operator,
        body: { reason: 'go', actor: 'someone-else' },
      });
      expect(spoofed.status).toBe(400);
      expect(spoofed.json.message).toMatch(/actor/);
      // The refused field is listed as the route schemas' 400s list theirs (gateway/responses.ts errorBody).
      expect(spoofed.json.issues).toEqual([expect.objectContaining({ path: 'actor' })]);

      const woken = await call(`${probe('durability-probe/api-update')}/updates/wakeUp`, {
        token: tokens.operator,
        body: { reason: 'release check' },
      });
      expect(woken.status).toBe(200);
      expect(woken.json.result).toMatchObject({ phase: 'awake', wokenBy: 'olga' });
    });

    it('maps a validator rejection to 422 with its message', async () => {
      // A draw stays open after a refused vote (a woken probe completes at once, so a second
      // wake-up could meet a closed workflow): the requester's own approval is refused.
      await setUpFundingProject(world.store, 'API');
      const draw = drawRequest({ projectId: 'API', milestoneId: 'M422' });
      expect((await call(`${world.url}/v1/workflows/fundingGate`, { token: tokens.operator, body: draw })).status).toBe(
        201,
      );
      const requester = await tokenFor('olga', 'approver');
      const refused = await call(`${probe('funding-gate/API/M422')}/updates/decide`, {
        token: requester,
        body: { decision: 'approve' },
      });
      expect(refused.status).toBe(422);
      expect(refused.json.message).toMatch(/olga requested this release and may not vote on it \(four eyes\)/);
      await world.env.client.workflow.getHandle('funding-gate/API/M422').terminate('test over');
    });

    it('signals and queries through the registry', async () => {
      await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.operator,
        body: { sleep: '1 hour', label: 'api-signal' },
      });
      const signalled = await call(`${probe('durability-probe/api-signal')}/signals/wakeUp`, {
        token: tokens.operator,
        body: { reason: 'ui path' },
      });
      expect(signalled.status).toBe(202);
      const status = await call(`${probe('durability-probe/api-signal')}/queries/probeStatus`, {
        token: tokens.viewer,
      });
      expect(status.json.result).toMatchObject({ phase: 'awake', wokenBy: 'olga' });
      const outcome = await world.env.client.workflow.getHandle('durability-probe/api-signal').result();
      expect(outcome.wokenBy).toBe('olga');
    });

    it('404 for an unknown workflow, update name and query name', async () => {
      expect(
        (
          await call(`${probe('durability-probe/never')}/updates/wakeUp`, {
            token: tokens.operator,
            body: { reason: 'x' },
          })
        ).status,
      ).toBe(404);
      await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.operator,
        body: { sleep: '1 hour', label: 'api-404' },
      });
      expect(
        (await call(`${probe('durability-probe/api-404')}/updates/launch`, { token: tokens.operator, body: {} }))
          .status,
      ).toBe(404);
      expect(
        (await call(`${probe('durability-probe/api-404')}/queries/secrets`, { token: tokens.viewer })).status,
      ).toBe(404);
    });

    it('lists by status and type through visibility; refuses a malformed filter', async () => {
      await call(`${world.url}/v1/workflows/durabilityProbe`, {
        token: tokens.operator,
        body: { sleep: '1 hour', label: 'api-list' },
      });
      let listed: { workflowId: string }[] = [];
      for (
        let attempt = 0;
        attempt < 50 && !listed.some((w) => w.workflowId === 'durability-probe/api-list');
        attempt++
      ) {
        listed = (await call(`${world.url}/v1/workflows?status=open&type=durabilityProbe`, { token: tokens.viewer }))
          .json.workflows as never;
        await new Promise((resolve) => setTimeout(resolve, 100)); // visibility is eventually consistent
      }
      expect(listed.map((w) => w.workflowId)).toContain('durability-probe/api-list');
      const injection = await call(`${world.url}/v1/workflows?project=${encodeURIComponent("x' OR '1'='1")}`, {
        token: tokens.viewer,
      });
      expect(injection.status).toBe(400);
      expect(injection.json.message).toMatch(/project/);
    });
  });

  describe('audit, OpenAPI, metrics', () => {
    it('audit verify and events are for admins', async () => {
      const verified = await call(`${world.url}/v1/audit/verify`, { token: tokens.admin });
      expect(verified.status).toBe(200);
      expect(verified.json).toMatchObject({ ok: true });
      // Its own event, not whatever earlier tests left: the test passes alone and in any order.
      const own = await world.store.audit.append({ actor: 'u:ada', action: 'test.marker', subject: 'audit-route' });
      const events = await call(`${world.url}/v1/audit/events?afterId=${Number(own.id) - 1}&limit=5`, {
        token: tokens.admin,
      });
      expect(events.status).toBe(200);
      expect((events.json.events as { id: unknown; action: string }[])[0]).toMatchObject({
        action: 'test.marker',
        subject: 'audit-route',
      });
      const denied = await call(`${world.url}/v1/audit/events?limit=5`, { token: tokens.operator });
      expect(denied.status).toBe(403);
    });

    it('serves an OpenAPI document generated from the zod schemas, and a docs page', async () => {
      const spec = await call(`${world.url}/openapi.json`);
      expect(spec.status).toBe(200);
      const paths = spec.json.paths as Record<string, Record<string, { requestBody?: unknown }>>;
      expect(paths['/v1/workflows/durabilityProbe']?.post?.requestBody).toBeDefined();
      expect(JSON.stringify(paths['/v1/workflows/durabilityProbe'])).toContain('sleep');
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/v1/workflows/{workflowId}/updates/{name}', '/v1/audit/verify']),
      );
      expect((await fetch(`${world.url}/docs/`)).status).toBe(200);
    });

    it('counts requests by route pattern and status', async () => {
      const metrics = await call(`${world.url}/metrics`);
      expect(metrics.text).toMatch(
        /arxflow_http_requests_total\{route="\/v1\/workflows\/:workflowId\/updates\/:name",method="POST",status="422"\} 1/,
      );
    });
  });
});
