import { metricDedupKey } from '../../domain/alerts/dedup';
import {
  seriesKeyOf,
  ThresholdEvaluator,
  type MetricSample,
  type MetricTransition,
} from '../../domain/alerts/metric-rules';
import { parseMetricRules, parseMetricRulesYaml } from '../../domain/alerts/metric-rules-schemas';
import { InputError } from '../../domain/validation';

const S = 1_000;
const MIN = 60 * S;
const T0 = Date.parse('2025-03-01T10:00:00Z');

const rules = parseMetricRulesYaml(`
rules:
  - name: disk-full
    expr: disk.used_percent > 90
    for: 5 minutes
    severity: critical
    summary: "Disk on {{tags.host}} at {{value}}{{unit}} (limit {{threshold}})"
    labels: { team: infra }
    match: ['env="prod"']
  - name: queue-stalled
    expr: "queue.rate <= 0"
    service: ingest
  - name: low-credit
    expr: account.credit < -1.5e3
    for: 1 minute
`);

const sample = (
  value: number,
  at: number,
  tags: Record<string, string> = { host: 'web-1', env: 'prod' },
  name = 'disk.used_percent',
): MetricSample => ({ name, value, unit: '%', source: 'node-exporter', tags, at });
const kinds = (transitions: MetricTransition[]) => transitions.map((t) => `${t.kind}:${t.rule}`);

function errors(text: string): string[] {
  try {
    parseMetricRulesYaml(text);
  } catch (err) {
    if (err instanceof InputError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('accepted');
}

describe('metric rules from YAML', () => {
  it('parses expressions, durations, matchers and defaults', () => {
    expect(rules[0]).toEqual({
      name: 'disk-full',
      metric: 'disk.used_percent',
      op: '>',
      threshold: 90,
      forMs: 5 * MIN,
      severity: 'critical',
      summary: 'Disk on {{tags.host}} at {{value}}{{unit}} (limit {{threshold}})',
      labels: { team: 'infra' },
      match: [{ name: 'env', op: '=', value: 'prod' }],
    });
    expect(rules[1]).toEqual({
      name: 'queue-stalled',
      metric: 'queue.rate',
      op: '<=',
      threshold: 0,
      forMs: 0,
      severity: 'warning',
      labels: {},
      match: [],
      service: 'ingest',
    });
    expect(rules[2]).toMatchObject({ op: '<', threshold: -1500 });
    expect(parseMetricRules(undefined)).toEqual([]);
  });

  it('names the path and line of each mistake', () => {
    expect(
      errors(`
rules:
  - name: Disk Full
    expr: disk.used_percent >> 90
    for: soon
    severity: page
    summary: "{{value}} on {{host}}"
    match: 'env~prod'
  - name: ok
    expr: cpu > 1
    labels: { bad-label: x }
  - name: ok
    expr: cpu > 2
    threshold: 3
`),
    ).toEqual([
      'rules.0.name: must be lower-case letters, digits, "-" and "_" (line 3)',
      'rules.0.expr: must be "<metric> <op> <number>" with op one of >, >=, <, <= (e.g. "disk.used_percent > 90") (line 4)',
      'rules.0.for: must be a duration such as "90s", "15 minutes" or "30 days" (line 5)',
      'rules.0.severity: must be one of critical, error, warning, info (line 6)',
      'rules.0.summary: unknown placeholder {{host}}: use {{value}} {{threshold}} {{metric}} {{unit}} {{rule}} or {{tags.NAME}} (line 7)',
      'rules.0.match.0: "env~prod" is not a matcher such as severity="critical" (operators =, !=, =~, !~) (line 8)',
      'rules.1.labels.bad-label: label names are letters, digits and _ (line 11)',
      'rules.2.threshold: unknown field (line 14)',
    ]);
    expect(errors('rules:\n  - name: a\n    expr: x > 1\n  - name: a\n    expr: y > 1\n')).toEqual([
      'rules.1.name: duplicate rule name "a" (line 4)',
    ]);
    expect(errors('rules: 3\n')).toEqual(['rules: must be a list of rules (line 1)']);
  });
});

describe('the threshold evaluator', () => {
  it('goes pending on a breach, fires once breaching for `for`, and resolves on recovery with the same key', () => {
    const evaluator = new ThresholdEvaluator(rules);
    expect(kinds(evaluator.observe(sample(95, T0)))).toEqual(['pending:disk-full']);
    expect(evaluator.observe(sample(96, T0 + 4 * MIN))).toEqual([]);
    const fired = evaluator.observe(sample(97, T0 + 5 * MIN));
    expect(kinds(fired)).toEqual(['firing:disk-full']);
    const trigger = fired[0]!.kind === 'firing' ? fired[0]!.event : undefined;
    const seriesKey = seriesKeyOf('disk.used_percent', { host: 'web-1', env: 'prod' });
    expect(seriesKey).toBe('disk.used_percent{env="prod",host="web-1"}');
    expect(trigger).toEqual({
      source: 'metrics',
      dedupKey: metricDedupKey('disk-full', seriesKey),
      sourceKey: seriesKey,
      action: 'trigger',
      severity: 'critical',
      summary: 'Disk on web-1 at 97% (limit 90)',
      group: 'disk-full',
      labels: {
        host: 'web-1',
        env: 'prod',
        source: 'node-exporter',
        team: 'infra',
        alertname: 'disk-full',
        metric: 'disk.used_percent',
        severity: 'critical',
      },
      annotations: {},
      startsAt: new Date(T0 + 5 * MIN).toISOString(),
      links: [],
      images: [],
      details: { value: 97, threshold: 90, op: '>', unit: '%' },
    });
    expect(evaluator.observe(sample(98, T0 + 6 * MIN))).toEqual([]);
    const resolved = evaluator.observe(sample(80, T0 + 7 * MIN));
    expect(kinds(resolved)).toEqual(['resolved:disk-full']);
    expect(resolved[0]).toMatchObject({
      value: 80,
      event: { action: 'resolve', dedupKey: trigger!.dedupKey, endsAt: new Date(T0 + 7 * MIN).toISOString() },
    });
    // a new breach is a new episode: pending again
    expect(kinds(evaluator.observe(sample(91, T0 + 8 * MIN)))).toEqual(['pending:disk-full']);
  });

  it('forgets series that stopped reporting, so its state does not grow with every series ever seen', () => {
    const evaluator = new ThresholdEvaluator(rules);
    evaluator.observe(sample(10, T0, { host: 'web-1', env: 'prod' }));
    evaluator.observe(sample(10, T0 + MIN, { host: 'web-2', env: 'prod' }));
    expect(Object.keys(evaluator.snapshot().lastSeen)).toHaveLength(2);
    evaluator.advance(T0 + 5 * MIN); // web-1 silent for the 5-minute stale period, web-2 for 4 minutes
    expect(Object.keys(evaluator.snapshot().lastSeen)).toEqual([
      seriesKeyOf('disk.used_percent', { host: 'web-2', env: 'prod' }),
    ]);
  });

  it('treats the threshold itself by the operator: > is strict, <= is not', () => {
    const evaluator = new ThresholdEvaluator(rules);
    expect(evaluator.observe(sample(90, T0))).toEqual([]);
    expect(kinds(evaluator.observe(sample(0, T0, { queue: 'q1' }, 'queue.rate')))).toEqual(['firing:queue-stalled']);
    expect(kinds(evaluator.observe(sample(0.001, T0 + S, { queue: 'q1' }, 'queue.rate')))).toEqual([
      'resolved:queue-stalled',
    ]);
  });

  it('clears a pending breach that recovers before `for`, without any alert', () => {
    const evaluator = new ThresholdEvaluator(rules);
    evaluator.observe(sample(95, T0));
    expect(evaluator.observe(sample(50, T0 + 2 * MIN))).toEqual([
      { kind: 'cleared', rule: 'disk-full', seriesKey: expect.any(String), at: T0 + 2 * MIN, value: 50 },
    ]);
    expect(evaluator.snapshot().series).toEqual({});
  });

  it('keeps series apart and filters them by tag matchers', () => {
    const evaluator = new ThresholdEvaluator(rules);
    expect(evaluator.observe(sample(99, T0, { host: 'web-1', env: 'staging' }))).toEqual([]);
    const a = evaluator.observe(sample(99, T0, { host: 'web-1', env: 'prod' }));
    const b = evaluator.observe(sample(99, T0 + MIN, { host: 'web-2', env: 'prod' }));
    expect(kinds([...a, ...b])).toEqual(['pending:disk-full', 'pending:disk-full']);
    expect(a[0]?.seriesKey).not.toBe(b[0]?.seriesKey);
    const fired = evaluator.advance(T0 + 5 * MIN);
    expect(fired.map((t) => t.seriesKey)).toEqual([a[0]?.seriesKey]);
  });

  it('fires on time without new samples (advance), tells the workflow when to wake, and goes stale', () => {
    const evaluator = new ThresholdEvaluator(rules, undefined, { staleAfterMs: 10 * MIN });
    evaluator.observe(sample(95, T0));
    expect(evaluator.nextDueAt()).toBe(T0 + 5 * MIN);
    expect(evaluator.advance(T0 + 5 * MIN - 1)).toEqual([]);
    expect(kinds(evaluator.advance(T0 + 5 * MIN))).toEqual(['firing:disk-full']);
    expect(evaluator.nextDueAt()).toBe(T0 + 10 * MIN);
    const stale = evaluator.advance(T0 + 10 * MIN);
    expect(kinds(stale)).toEqual(['resolved:disk-full']);
    expect(evaluator.nextDueAt()).toBeUndefined();
  });

  it('re-sends the trigger while still breaching, at most every repeatEveryMs', () => {
    const evaluator = new ThresholdEvaluator(rules, undefined, { repeatEveryMs: 5 * MIN });
    const kind = (value: number, at: number) => kinds(evaluator.observe(sample(value, at)));
    expect([
      kind(95, T0),
      kind(95, T0 + 5 * MIN),
      kind(95, T0 + 9 * MIN),
      kind(95, T0 + 10 * MIN),
      kind(95, T0 + 11 * MIN),
    ]).toEqual([['pending:disk-full'], ['firing:disk-full'], [], ['repeat:disk-full'], []]);
  });

  it('ignores samples older than the last one of their series, and survives a snapshot round trip', () => {
    const evaluator = new ThresholdEvaluator(rules);
    evaluator.observe(sample(95, T0 + MIN));
    expect(evaluator.observe(sample(10, T0))).toEqual([]);
    const restored = new ThresholdEvaluator(rules, JSON.parse(JSON.stringify(evaluator.snapshot())));
    expect(kinds(restored.observe(sample(95, T0 + 6 * MIN)))).toEqual(['firing:disk-full']);
    // the original is independent of the copy
    expect(evaluator.snapshot().series[Object.keys(evaluator.snapshot().series)[0]!]?.phase).toBe('pending');
  });
});
