import { z } from 'zod';
import { issuesText } from '../../domain/validation';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

interface MediaType {
  schema?: JsonSchema;
}
interface Response {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses?: Record<string, Response>;
}
type JsonSchema = Record<string, unknown> & { required?: string[]; properties?: Record<string, JsonSchema> };
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/**
 * The probes take no input and need no token, so nothing a caller sends can make them
 * answer 4xx: the only routes without a 4xx response. Checked below to stay that way.
 */
const NO_INPUT_PROBES = ['GET /healthz', 'GET /readyz', 'GET /metrics'];

const schemaOf = (response: Response | undefined): JsonSchema | undefined =>
  Object.values(response?.content ?? {}).find((media) => media.schema)?.schema;

describe('the OpenAPI document describes what every route answers', () => {
  const world = useDevServerWorld('openapi');
  let doc: OpenApi;
  const tokens = {} as Record<'operator' | 'viewer' | 'admin' | 'nobody', string>;

  beforeAll(async () => {
    doc = (await call(`${world.url}/openapi.json`)).json as unknown as OpenApi;
    tokens.operator = await tokenFor('olga', 'operator');
    tokens.viewer = await tokenFor('vera', 'viewer');
    tokens.admin = await tokenFor('ada', 'admin');
    tokens.nobody = await tokenFor('nora');
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );

  /** The schema /openapi.json declares for `route`'s `status`; fails the test when there is none. */
  const declared = (route: string, status: number): z.ZodType => {
    const [method, path] = route.split(' ') as [string, string];
    const schema = schemaOf(doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]);
    if (!schema) throw new Error(`${route} declares no schema for ${status}`);
    return z.fromJSONSchema(schema as never, { defaultTarget: 'openapi-3.0' });
  };
  /** Asserts the body is what the document says `route` answers with this status. */
  const expectConforms = (route: string, answer: { status: number; json: unknown }) => {
    const parsed = declared(route, answer.status).safeParse(answer.json);
    expect({ route, status: answer.status, issues: parsed.error?.issues ?? [] }).toEqual({
      route,
      status: answer.status,
      issues: [],
    });
  };

  it('every route declares a 2xx and a 4xx response, each with a schema (a 204 has no body)', () => {
    const lacking: string[] = [];
    for (const { route, operation } of operations()) {
      const responses = Object.entries(operation.responses ?? {});
      const success = responses.some(([code, response]) => code === '204' || (/^2/.test(code) && schemaOf(response)));
      const refusal = responses.some(([code, response]) => /^4/.test(code) && schemaOf(response));
      if (!success) lacking.push(`${route}: no 2xx response schema`);
      if (!refusal && !NO_INPUT_PROBES.includes(route)) lacking.push(`${route}: no 4xx response schema`);
    }
    expect(operations().length).toBeGreaterThan(40);
    expect(lacking).toEqual([]);
  });

  it('every 4xx and 5xx is the shared error body: error and message, at least', () => {
    const otherShapes: string[] = [];
    for (const { route, operation } of operations()) {
      for (const [code, response] of Object.entries(operation.responses ?? {})) {
        if (!/^[45]/.test(code) || route === 'GET /readyz') continue; // readyz's 503 is its report
        const required = schemaOf(response)?.required ?? [];
        if (!required.includes('error') || !required.includes('message')) otherShapes.push(`${route} ${code}`);
      }
    }
    expect(otherShapes).toEqual([]);
  });

  it('the probes without a 4xx take no input and no token', () => {
    const probes = operations().filter(({ route }) => NO_INPUT_PROBES.includes(route));
    expect(probes.map(({ route }) => route).sort()).toEqual([...NO_INPUT_PROBES].sort());
    for (const { operation } of probes) {
      expect(operation.parameters ?? []).toEqual([]);
      expect(operation.requestBody).toBeUndefined();
      expect(operation.security).toEqual([]);
    }
  });

  describe('real answers fit their declared schemas', () => {
    const start = 'POST /v1/workflows/durabilityProbe';
    const startUrl = () => `${world.url}/v1/workflows/durabilityProbe`;

    it('400 from a route schema lists each refused field in issues, and its message says the same', async () => {
      const refused = await call(startUrl(), { token: tokens.operator, body: { sleep: 5, label: 7 } });
      expect(refused.status).toBe(400);
      expectConforms(start, refused);
      const issues = refused.json.issues as { path: string; message: string }[];
      expect(issues.map((issue) => issue.path).sort()).toEqual(['body.label', 'body.sleep']);
      expect(refused.json).toMatchObject({ error: 'bad_input', message: issuesText(issues) });

      const root = await call(startUrl(), { token: tokens.operator, body: '[]' });
      expect(root.status).toBe(400);
      expectConforms(start, root);
      expect((root.json.issues as { path: string }[])[0]?.path).toBe('body');
    });

    it('400 from a domain parse (silences) keeps the issues too', async () => {
      const refused = await call(`${world.url}/v1/silences`, {
        token: tokens.operator,
        body: { matchers: ['service="db"'], comment: 'maintenance', duration: 'a while' },
      });
      expect(refused.status).toBe(400);
      expectConforms('POST /v1/silences', refused);
      expect(refused.json.issues).toEqual([expect.objectContaining({ path: 'duration' })]);
    });

    it('401 without a token, 403 without the role', async () => {
      const anonymous = await call(startUrl(), { body: { sleep: '1 hour' } });
      expect(anonymous.status).toBe(401);
      expectConforms(start, anonymous);
      const viewer = await call(startUrl(), { token: tokens.viewer, body: { sleep: '1 hour' } });
      expect(viewer.status).toBe(403);
      expectConforms(start, viewer);
      const roleless = await call(`${world.url}/v1/workflows`, { token: tokens.nobody });
      expect(roleless.status).toBe(403);
      expectConforms('GET /v1/workflows', roleless);
    });

    it('201 on a start, 409 on the same id, then describe, result, update, signal, query, list', async () => {
      const started = await call(startUrl(), { token: tokens.operator, body: { sleep: '1 hour', label: 'openapi' } });
      expect(started.status).toBe(201);
      expectConforms(start, started);
      expect(started.json).toEqual({ workflowId: 'durability-probe/openapi', runId: expect.any(String) });
      const again = await call(startUrl(), { token: tokens.operator, body: { sleep: '1 hour', label: 'openapi' } });
      expect(again.status).toBe(409);
      expectConforms(start, again);

      const id = encodeURIComponent('durability-probe/openapi');
      const described = await call(`${world.url}/v1/workflows/${id}`, { token: tokens.viewer });
      expect(described.status).toBe(200);
      expectConforms('GET /v1/workflows/{workflowId}', described);
      expect(described.json).toMatchObject({ type: 'durabilityProbe', status: 'RUNNING', closeTime: null });
      const result = await call(`${world.url}/v1/workflows/${id}/result`, { token: tokens.viewer });
      expectConforms('GET /v1/workflows/{workflowId}/result', result);
      expect(result.json).toEqual({ status: 'RUNNING' });
      const woken = await call(`${world.url}/v1/workflows/${id}/updates/wakeUp`, {
        token: tokens.operator,
        body: { reason: 'openapi' },
      });
      expect(woken.status).toBe(200);
      expectConforms('POST /v1/workflows/{workflowId}/updates/{name}', woken);
      expect(woken.json.result).toEqual(expect.any(Object)); // the probe's view, passed through whole
      const other = await call(startUrl(), { token: tokens.operator, body: { sleep: '1 hour', label: 'openapi-2' } });
      expect(other.status).toBe(201);
      const signalled = await call(
        `${world.url}/v1/workflows/${encodeURIComponent('durability-probe/openapi-2')}/signals/wakeUp`,
        {
          token: tokens.operator,
          body: { reason: 'openapi' },
        },
      );
      expect(signalled.status).toBe(202);
      expectConforms('POST /v1/workflows/{workflowId}/signals/{name}', signalled);
      const status = await call(`${world.url}/v1/workflows/${id}/queries/probeStatus`, { token: tokens.viewer });
      expect(status.status).toBe(200);
      expectConforms('GET /v1/workflows/{workflowId}/queries/{name}', status);
      expect(status.json.result).toEqual(expect.any(Object));
      const listed = await call(`${world.url}/v1/workflows?type=durabilityProbe`, { token: tokens.viewer });
      expect(listed.status).toBe(200);
      expectConforms('GET /v1/workflows', listed);
    });

    it('404 for an unknown workflow and an unknown webhook source', async () => {
      const missing = await call(`${world.url}/v1/workflows/no-such-workflow`, { token: tokens.viewer });
      expect(missing.status).toBe(404);
      expectConforms('GET /v1/workflows/{workflowId}', missing);
      const source = await call(`${world.url}/v1/webhooks/jenkins`, { body: {} });
      expect(source.status).toBe(404);
      expectConforms('POST /v1/webhooks/{source}', source);
    });

    it('store-backed routes: audit events (times from the store), task triggers, 204 on delete', async () => {
      const trigger = {
        projectId: 'p-1',
        taskId: 't-1',
        triggerType: 'task_completed',
        actions: [{ type: 'webhook', url: 'https://hooks.example.com/x', secret: 'a-secret-of-16-chars' }],
      };
      const put = await call(`${world.url}/v1/task-triggers/openapi`, {
        method: 'PUT',
        token: tokens.operator,
        body: trigger,
      });
      expect(put.status).toBe(200);
      expectConforms('PUT /v1/task-triggers/{id}', put);
      expect(put.json).toMatchObject({ id: 'openapi', actions: [{ type: 'webhook', secret: '(redacted)' }] });
      const removed = await call(`${world.url}/v1/task-triggers/openapi`, { method: 'DELETE', token: tokens.operator });
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      const gone = await call(`${world.url}/v1/task-triggers/openapi`, { token: tokens.operator });
      expect(gone.status).toBe(404);
      expectConforms('GET /v1/task-triggers/{id}', gone);

      const events = await call(`${world.url}/v1/audit/events`, { token: tokens.admin });
      expect(events.status).toBe(200);
      expectConforms('GET /v1/audit/events', events);
      expect((events.json.events as unknown[]).length).toBeGreaterThan(0);
      const verified = await call(`${world.url}/v1/audit/verify`, { token: tokens.admin });
      expectConforms('GET /v1/audit/verify', verified);
    });

    it('the probes', async () => {
      expectConforms('GET /healthz', await call(`${world.url}/healthz`));
      const ready = await call(`${world.url}/readyz`);
      expect(ready.status).toBe(200);
      expectConforms('GET /readyz', ready);
    });
  });
});
