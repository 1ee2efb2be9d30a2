import { readServerSentEvents } from '../../cli/stream-follow';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import type { StreamEvent } from '../../domain/stream-topics';
import { parseInput } from '../../domain/validation';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { recordingKubectl } from '../support/recording-kubectl';
import { call, TEST_SETTINGS, tokenFor } from '../support/gateway';

/**
 * Issue #15's "deployments as they land" on the live stream, end to end: a real deployment
 * started through the gateway (recording kubectl, no approval on staging), its status changes
 * read from GET /v1/stream?topics=deploy by a deployer, and `arxflow watch deploy` prints them.
 */
const recorder = recordingKubectl();
afterAll(() => recorder.remove());
const DEPLOYMENTS = parseInput(
  deploymentsConfigSchema,
  {
    services: [
      {
        name: 'web',
        environments: [
          {
            name: 'staging',
            target: {
              type: 'kubectl',
              kubectl: recorder.binary,
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
const world = useDevServerWorld('stream-deployments', {
  gateway: { deployments: { config: DEPLOYMENTS, configDir: __dirname } },
});

it("a subscriber receives a real deployment's status changes in order; arxflow watch prints them", async () => {
  const deployer = await tokenFor('dora', 'deployer');
  const abort = new AbortController();
  const response = await fetch(`${world.url}/v1/stream?topics=deploy`, {
    headers: { authorization: `Bearer ${deployer}` },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const events: { id: string; event: StreamEvent }[] = [];
  let begun: string | undefined;
  void (async () => {
    try {
      for await (const m of readServerSentEvents(response.body!)) {
        if (m.data === undefined) begun ??= m.id;
        else events.push({ id: m.id!, event: JSON.parse(m.data) as StreamEvent });
      }
    } catch {
      // aborted
    }
  })();
  for (let i = 0; !begun && i < 750; i++) await new Promise((r) => setTimeout(r, 20));
  expect(begun).toBeDefined();
  const started = await call(`${world.url}/v1/deployments`, {
    token: deployer,
    body: { service: 'web', version: '1.2.3', environment: 'staging' },
  });
  expect(started.status).toBe(202);
  const view = async () =>
    (await call(`${world.url}/v1/deployments/web/staging?version=1.2.3`, { token: deployer })).json as {
      status: string;
    };
  let last: unknown;
  const waitUntil = async (done: () => Promise<boolean> | boolean, what: string) => {
    for (const deadline = Date.now() + 60_000; !(await done()); await new Promise((r) => setTimeout(r, 200)))
      if (Date.now() > deadline) throw new Error(`never: ${what}; last: ${JSON.stringify(last)}`);
  };
  await waitUntil(async () => ((last = await view()) as { status?: string })?.status === 'succeeded', 'succeeded');
  // Its last status change reaches the subscriber too (the stream reads the audit chain).
  await waitUntil(() => events.some(({ event }) => event.action === 'deploy.succeeded'), 'deploy.succeeded streamed');
  abort.abort();
  expect(events.length).toBeGreaterThan(2);
  expect(events.every(({ event }) => event.action.startsWith('deploy.') && event.topic.startsWith('deploy/'))).toBe(
    true,
  );
  const ids = events.map(({ id }) => Number(id));
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);

  const watch = await runArxflowInProcess(
    ['watch', 'deploy', '--after', begun!, '--count', String(events.length), '--json'],
    {
      ARXFLOW_URL: world.url,
      ARXFLOW_TOKEN: deployer,
      ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret,
    },
  );
  expect(watch.status).toBe(0);
  const lines = watch.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StreamEvent);
  expect(lines.map((e) => e.id)).toEqual(ids);
  const viewer = await tokenFor('nobody-biz', 'signatory' as never);
  expect((await call(`${world.url}/v1/stream?topics=deploy`, { token: viewer })).status).toBe(403);
});
