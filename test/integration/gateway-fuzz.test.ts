import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../db/store';
import { openWorldStore } from '../support/store-backends';
import { WORKFLOW_REGISTRY } from '../../client/api/registry';
import { startDevServerEnv, testCodecs } from '../support/temporal-env';
import { startGateway, tokenFor } from '../support/gateway';
import { invalidUnicodeIn } from '../../domain/unicode';
import { badString, encode, malformedDocument, malformedValue, TRAVERSAL_IDS } from '../../chaos/fuzz/malformed';

// Every route of the OpenAPI document, hit with malformed JSON, wrong types and odd path
// and query values, by an admin (so auth is not what refuses): never a 5xx, never a
// started workflow. No worker runs, so a started workflow would stay visible.
describe('gateway fuzzing (fast-check)', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let app: FastifyInstance;
  let url: string;
  let admin: string;

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('gateway fuzzing')]);
    const codecs = testCodecs('stamped', `fuzz:${randomBytes(32).toString('base64')}`);
    ({ app, url } = await startGateway(env, store, 'fuzz-no-worker', {
      codec: { codecs, webUiOrigin: 'http://localhost:8233', trustLocalWebUi: false },
    }));
    admin = await tokenFor('fuzzer', 'admin');
  });
  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await store?.close();
  });

  // The generators of the bad-input chaos scenario (chaos/fuzz/malformed.ts): one way to make malformed input.
  const malformedJson = malformedDocument.map((value) => encode(value));
  const wrongValue = malformedValue.map((value) => encode(value));
  const oddSegment = fc
    .oneof(fc.constantFrom(...TRAVERSAL_IDS), badString)
    .filter((segment) => segment.length > 0 && invalidUnicodeIn(segment, 'segment') === undefined); // encodeURIComponent takes only well-formed text
  const startSchemas = Object.fromEntries(
    Object.values(WORKFLOW_REGISTRY).map((entry) => [`/v1/workflows/${entry.type}`, entry.input]),
  );

  it('answers every route below 500 and starts nothing', async () => {
    const spec = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(spec.paths)
      .flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((m) => ['get', 'post'].includes(m))
          .map((method) => ({ path, method: method.toUpperCase() })),
      )
      .filter((route) => route.path !== '/readyz'); // 503 by design here: no worker polls this file's task queue
    expect(routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/codec/decode', '/v1/schedules/sync', '/v1/workflows/{workflowId}/updates/{name}']),
    );

    const failures: string[] = [];
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(
          oddSegment,
          oddSegment,
          fc.oneof(malformedJson, wrongValue),
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
          async (segmentA, segmentB, body, query) => {
            const schema = startSchemas[route.path];
            if (schema) {
              try {
                if (schema.safeParse(JSON.parse(body.toString('utf8'))).success) return; // a valid start is not malformed input
              } catch {
                /* not JSON: malformed, keep */
              }
            }
            const path = route.path
              .replace(/\{[^}]+\}/, encodeURIComponent(segmentA))
              .replace(/\{[^}]+\}/, encodeURIComponent(segmentB));
            const response = await fetch(`${url}${path}?${new URLSearchParams(query)}`, {
              method: route.method,
              headers: {
                authorization: `Bearer ${admin}`,
                ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}),
              },
              body: route.method === 'POST' ? body : undefined,
            });
            // Strongly consistent: the gateway answers 2xx to a start only once Temporal took it.
            if (route.path.startsWith('/v1/workflows/') && route.method === 'POST' && response.ok)
              failures.push(
                `${route.method} ${path} body=${body.toString('utf8', 0, 80)} -> ${response.status}: accepted`,
              );
            if (response.status >= 500)
              failures.push(
                `${route.method} ${path} body=${body.toString('utf8', 0, 80)} -> ${response.status} ${await response.text()}`,
              );
            // A live stream (/v1/stream, a document's events) never ends by itself: its answer is its status.
            else if (response.headers.get('content-type')?.startsWith('text/event-stream'))
              await response.body?.cancel();
            else await response.arrayBuffer();
          },
        ),
        { numRuns: 40 },
      );
    }
    expect(failures).toEqual([]);

    // Visibility is eventually consistent: a fence started after the fuzz (on this file's own dev
    // server) is waited for first, so whatever the fuzz started before it is listed too.
    const fence = await env.client.workflow.start('durabilityProbe', {
      taskQueue: 'fuzz-no-worker',
      workflowId: 'fuzz-fence',
      args: [{ sleep: '1 hour' }],
    });
    const deadline = Date.now() + 60_000;
    let started: string[] = [];
    for (;;) {
      started = [];
      for await (const execution of env.client.workflow.list())
        started.push(`${execution.type} ${execution.workflowId}`);
      if (started.includes('durabilityProbe fuzz-fence') || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await fence.terminate('fence seen');
    expect(started).toEqual(['durabilityProbe fuzz-fence']);
    // Some 2,000 requests through the gateway: minutes on a busy 2-core machine, not the default 2.
  }, 600_000);
});
