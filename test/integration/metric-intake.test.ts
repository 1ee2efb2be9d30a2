import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { alertWorkflowId, metricDedupKey } from '../../domain/alerts/dedup';
import { seriesKeyOf } from '../../domain/alerts/metric-rules';
import { parseMetricRulesYaml } from '../../domain/alerts/metric-rules-schemas';
import { configFileSchema } from '../../domain/config-file';
import { metricEvaluatorId } from '../../client/api/metric-intake';
import { metricEvaluatorStatusQuery } from '../../workflows/alerts/metric-messages';
import { freePort } from '../../scripts/ports';
import { call, startGateway } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';
import { clientConnectionOptions } from '../../platform/connection';

const TOKEN = 'metrics-token-0123456789abcdef';
const metricRules = parseMetricRulesYaml(`
rules:
  - name: cpu-hot
    expr: cpu.temp > 80
    severity: critical
    summary: "CPU {{tags.host}} at {{value}}{{unit}}"
`);
const evaluatorId = metricEvaluatorId({ rules: metricRules, escalation: configFileSchema.parse({}).escalation });

describe('POST /v1/metrics on a dev server', () => {
  let open: FastifyInstance; // no metrics token: loopback only
  let openUrl: string;
  // Declared before the world, so this gateway closes while the world is still up.
  afterAll(async () => {
    await open?.close();
  });
  const world = useDevServerWorld('metric-intake', {
    gateway: { alerts: { tokens: { metrics: TOKEN }, metricRules } },
  });

  beforeAll(async () => {
    ({ app: open, url: openUrl } = await startGateway(world.env, world.store, world.taskQueue, {
      alerts: { metricRules },
    }));
  });

  const post = (body: unknown, token: string | undefined = TOKEN, base = world.url) =>
    call(`${base}/v1/metrics`, { token, body });
  const evaluatorRuns = () =>
    world.env.client.workflow
      .getHandle(evaluatorId)
      .describe()
      .then(
        () => true,
        () => false,
      );
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await read().catch(() => undefined);
      if (value !== undefined && check(value)) return value;
      if (Date.now() > deadline) throw new Error(`never got there: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('refuses a missing or wrong bearer token with 401 before reading the body', async () => {
    for (const token of [undefined, 'wrong-token']) {
      const refused = await call(`${world.url}/v1/metrics`, {
        token,
        body: '{not json',
        headers: { 'content-type': 'application/json' },
      });
      expect(refused.status).toBe(401);
      expect(refused.json.message).toMatch(token ? /wrong bearer token/ : /missing bearer token/);
    }
  });

  it('answers 400 naming the field for bad samples, and signals nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'cpu.temp', value: 'hot' }, /value: must be a finite number/],
      [[{ name: 'cpu.temp', value: 90 }, { name: 'cpu.temp' }], /1\.value/],
      [{ samples: [{ name: 'cpu temp', value: 1 }] }, /samples\.0\.name: must be a metric name/],
      [{ name: 'cpu.temp', value: 90, tags: { 'bad-tag': 'x' } }, /tags/],
    ];
    for (const [body, message] of cases) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(message);
    }
    expect(await evaluatorRuns()).toBe(false);
  });

  it('answers 202 once the evaluator has the samples; a breach raises alert/<key>, recovery resolves it', async () => {
    const tags = { host: 'web-7' };
    const key = metricDedupKey('cpu-hot', seriesKeyOf('cpu.temp', tags));
    const hot = await post({ name: 'cpu.temp', value: 93.5, unit: '°C', source: 'node-exporter', tags });
    expect(hot.status).toBe(202);
    expect(hot.json).toEqual({ status: 'accepted', accepted: 1, ignored: 0, evaluator: evaluatorId });
    const evaluator = world.env.client.workflow.getHandle(evaluatorId);
    expect(
      await eventually(
        () => evaluator.query(metricEvaluatorStatusQuery),
        (s) => s.totals.raised === 1,
      ),
    ).toMatchObject({ rules: ['cpu-hot'], series: [{ rule: 'cpu-hot', phase: 'firing', lastValue: 93.5 }] });
    const alert = world.env.client.workflow.getHandle(alertWorkflowId(key));
    expect(
      await eventually(
        () => alert.query<AlertStatusView>('status'),
        (v) => v.status === 'triggered',
      ),
    ).toMatchObject({ severity: 'critical', summary: 'CPU web-7 at 93.5°C' });

    const cooled = await post({
      samples: [
        { name: 'mem.used', value: 1 },
        { name: 'cpu.temp', value: 61, tags },
      ],
    });
    expect(cooled.json).toMatchObject({ status: 'accepted', accepted: 1, ignored: 1 });
    expect(await alert.result()).toMatchObject({ status: 'resolved', resolved: { reason: 'source' } });
  });

  it('accepts loopback callers without a token where none is configured', async () => {
    const accepted = await post({ name: 'cpu.temp', value: 40, tags: { host: 'web-8' } }, undefined, openUrl);
    expect(accepted).toMatchObject({ status: 202, json: { accepted: 1, evaluator: evaluatorId } });
    const ignored = await post({ name: 'disk.free', value: 3 }, undefined, openUrl);
    expect(ignored.json).toEqual({ status: 'accepted', accepted: 0, ignored: 1 }); // no rule watches it: nothing signalled
  });

  it('answers 503 when Temporal is unreachable, 400 for bad input still', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, ...clientConnectionOptions() }); // as npm start's gateway connects
    const down = await startGateway(
      { client: new Client({ connection }) } as unknown as TestWorkflowEnvironment,
      world.store,
      world.taskQueue,
      {
        alerts: { metricRules, temporalDeadlineMs: 2_000 },
      },
    );
    try {
      const refused = await post({ name: 'cpu.temp', value: 99 }, undefined, down.url);
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({
        error: 'unavailable',
        message: expect.stringMatching(/Temporal is unreachable/),
      });
      expect((await post({ name: 'cpu.temp' }, undefined, down.url)).status).toBe(400);
    } finally {
      await down.app.close();
      await connection.close().catch(() => undefined);
    }
  }, 60_000);

  it('documents the route in the OpenAPI document', async () => {
    const paths = (await call(`${world.url}/openapi.json`)).json.paths as Record<
      string,
      Record<string, { requestBody?: unknown }>
    >;
    expect(JSON.stringify(paths['/v1/metrics']?.post?.requestBody)).toContain('timestamp');
  });
});
