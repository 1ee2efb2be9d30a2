import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { measureAnalysis, queryPrometheus } from '../../activities/deploy/measure-analysis';
import {
  parseExposition,
  parseHttpExpression,
  parseSelector,
  selectSum,
} from '../../activities/deploy/metrics-exposition';
import type { AnalysisConfig } from '../../domain/deploy/deploy-types';
import { freePort } from '../../scripts/ports';
import { getOnce, writeExampleReleases } from '../support/deploy-test-service';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

/**
 * Analysis on real Prometheus (issue #14): Debian's prometheus scrapes two example-web
 * processes on loopback every second (1.0.0 healthy, 1.1.0 answering every second request to /
 * with a 500), and measureAnalysis computes their error ratios through /api/v1/query, and
 * through the services' own /metrics with the http provider.
 */

interface ExampleProcess {
  version: string;
  baseUrl: string;
  child: ChildProcess;
}

async function startExample(root: string, version: string, errorRate: number): Promise<ExampleProcess> {
  const template = writeExampleReleases(root, [{ version, errorRate }]);
  const port = await freePort();
  const child = spawn(process.execPath, ['server.js'], {
    cwd: template.replace('{{version}}', version),
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await getOnce(`${baseUrl}/healthz`)).status === 200) break;
    } catch {
      if (Date.now() > deadline) throw new Error(`example-web ${version} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { version, baseUrl, child };
}

const ERROR_RATIO =
  'sum(increase(http_requests_total{code=~"5..",version="{{version}}"}[1m])) / sum(increase(http_requests_total{version="{{version}}"}[1m]))';

function analysis(overrides: Partial<AnalysisConfig>): AnalysisConfig {
  return {
    provider: 'prometheus',
    metrics: [
      {
        name: 'error-ratio',
        prometheus: ERROR_RATIO,
        http: 'ratio(http_requests_total{code=~"5.."}, http_requests_total)',
        successCondition: 'result < 0.05',
      },
    ],
    interval: '5s',
    count: 3,
    failureLimit: 0,
    inconclusiveLimit: 1,
    inconclusiveDeadline: '1 minute',
    load: { path: '/', perSecond: 40 },
    ...overrides,
  };
}

describe('deployment analysis on real Prometheus', () => {
  let root: string;
  let healthy: ExampleProcess;
  let broken: ExampleProcess;
  let prometheus: RunningPrometheus;
  const varsOf = (p: ExampleProcess) => ({
    service: 'example-web',
    environment: 'staging',
    version: p.version,
    baseUrl: p.baseUrl,
  });

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-prom-'));
    healthy = await startExample(root, '1.0.0', 0);
    broken = await startExample(root, '1.1.0', 0.5);
    prometheus = await startPrometheus({ targets: [healthy, broken].map((p) => new URL(p.baseUrl).host) });
    // Both series scraped once before any traffic: increase() then sees the load from zero.
    await prometheus.waitForSeries('http_requests_total{version="1.0.0"}');
    await prometheus.waitForSeries('http_requests_total{version="1.1.0"}');
  });

  afterAll(async () => {
    await prometheus?.stop();
    for (const p of [healthy, broken]) p?.child.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  });

  test('the prometheus provider: the broken version error ratio is about a half, the healthy one zero', async () => {
    const config = analysis({ prometheusUrl: prometheus.url });
    const [bad, good] = await Promise.all([
      measureAnalysis({}, { analysis: config, vars: varsOf(broken), driveLoadMs: 3_000 }),
      measureAnalysis({}, { analysis: config, vars: varsOf(healthy), driveLoadMs: 3_000 }),
    ]);
    expect(bad).toMatchObject({ provider: 'prometheus' });
    expect(bad.error).toBeUndefined();
    // Scrapes land every second, so the window holds most of the load: 1 in 2 of it failed.
    expect(bad.values['error-ratio']).toBeGreaterThan(0.4);
    expect(bad.values['error-ratio']).toBeLessThan(0.6);
    expect(good).toMatchObject({ provider: 'prometheus', values: { 'error-ratio': 0 } });
  });

  test('instant queries: a scalar is its number, an empty vector null, several series an error', async () => {
    await expect(queryPrometheus(prometheus.url, 'scalar(vector(2)) * 3')).resolves.toBe(6);
    await expect(queryPrometheus(prometheus.url, 'http_requests_total{version="9.9.9"}')).resolves.toBeNull();
    await expect(queryPrometheus(prometheus.url, 'http_requests_total')).rejects.toThrow(
      /returned \d+ series; aggregate/,
    );
    await expect(queryPrometheus(prometheus.url, 'sum(')).rejects.toThrow(/Prometheus refused sum\(/);
  });

  test('auto picks Prometheus when it answers, the service /metrics when it does not', async () => {
    const noLoad = { load: undefined };
    const up = await measureAnalysis(
      { prometheusUrl: prometheus.url },
      { analysis: analysis({ provider: 'auto', ...noLoad }), vars: varsOf(healthy) },
    );
    expect(up.provider).toBe('prometheus');
    const down = await measureAnalysis(
      { prometheusUrl: `http://127.0.0.1:${await freePort()}` },
      { analysis: analysis({ provider: 'auto', ...noLoad }), vars: varsOf(healthy) },
    );
    expect(down.provider).toBe('http');
    expect(down.error).toBeUndefined();
  });

  test('the http provider: increases between two scrapes of /metrics, then against the previous counters', async () => {
    const config = analysis({ provider: 'http' });
    const bad = await measureAnalysis({}, { analysis: config, vars: varsOf(broken), driveLoadMs: 1_500 });
    expect(bad.provider).toBe('http');
    expect(bad.values['error-ratio']).toBeGreaterThan(0.45);
    expect(bad.values['error-ratio']).toBeLessThan(0.55);
    expect(bad.counters).toEqual({
      'http_requests_total{code=~"5.."}': expect.any(Number),
      http_requests_total: expect.any(Number),
    });

    // The next measurement counts from those counters: 10 more requests, 5 of them failing.
    for (let i = 0; i < 10; i++) await getOnce(`${broken.baseUrl}/`);
    const next = await measureAnalysis(
      {},
      { analysis: { ...config, load: undefined }, vars: varsOf(broken), previous: bad.counters },
    );
    expect(next.values['error-ratio']).toBe(0.5);
    expect(next.counters!.http_requests_total).toBe(bad.counters!.http_requests_total! + 10);

    // No traffic since: nothing to judge, null (inconclusive), not a ratio of zero.
    const quiet = await measureAnalysis(
      {},
      { analysis: { ...config, load: undefined }, vars: varsOf(broken), previous: next.counters },
    );
    expect(quiet.values['error-ratio']).toBeNull();

    const good = await measureAnalysis({}, { analysis: config, vars: varsOf(healthy), driveLoadMs: 1_000 });
    expect(good.values['error-ratio']).toBe(0);
  });

  test('a source that cannot be read is an error measurement with null values, not a thrown activity', async () => {
    const gone = `http://127.0.0.1:${await freePort()}`;
    const measured = await measureAnalysis(
      {},
      {
        analysis: analysis({ provider: 'http', load: undefined }),
        vars: { ...varsOf(healthy), baseUrl: gone },
        previous: {},
      },
    );
    expect(measured).toMatchObject({ provider: 'http', values: { 'error-ratio': null } });
    expect(measured.error).toMatch(/fetch failed|ECONNREFUSED/);
  });
});

describe('the exposition format and http selectors (the http provider reads /metrics itself)', () => {
  const text = [
    '# HELP http_requests_total Requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{code="200",path="/a \\"quoted\\", b"} 7',
    'http_requests_total{code="503",path="/"} 2 1700000000000',
    'http_requests_total{code="500",path="/"} 1',
    'up 1',
    'weird_value{a="b"} NaN',
    'garbage line here',
  ].join('\n');

  test('samples with escaped label values and timestamps; comments and broken lines skipped', () => {
    const samples = parseExposition(text);
    expect(samples.map((s) => s.name)).toEqual([
      'http_requests_total',
      'http_requests_total',
      'http_requests_total',
      'up',
      'weird_value',
    ]);
    expect(samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { code: '200', path: '/a "quoted", b' },
      value: 7,
    });
    expect(samples[1]!.value).toBe(2);
  });

  test('selectors sum the matching series with =, !=, =~ (anchored) and !~', () => {
    const samples = parseExposition(text);
    const sum = (selector: string) => selectSum(samples, parseSelector(selector));
    expect(sum('http_requests_total')).toBe(10);
    expect(sum('http_requests_total{code=~"5.."}')).toBe(3);
    expect(sum('http_requests_total{code=~"5"}')).toBeUndefined();
    expect(sum('http_requests_total{code!~"5..",path!="/"}')).toBe(7);
    expect(sum('http_requests_total{code="404"}')).toBeUndefined();
  });

  test('ratio(a, b) takes two selectors, commas inside matchers included; anything else is refused by name', () => {
    expect(parseHttpExpression('ratio(x{code=~"5..",path="/a,b"}, x)')).toEqual({
      kind: 'ratio',
      of: ['x{code=~"5..",path="/a,b"}', 'x'],
    });
    expect(parseHttpExpression(' x{code="500"} ')).toEqual({ kind: 'increase', of: 'x{code="500"}' });
    expect(() => parseHttpExpression('ratio(x)')).toThrow('ratio takes two selectors');
    expect(() => parseHttpExpression('rate(x[1m])')).toThrow(/is not a counter selector/);
    expect(() => parseSelector('x{code=500}')).toThrow(/cannot read the label matchers/);
  });
});
