import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  alertmanagerDedupKey,
  alertWorkflowId,
  isSafeDedupKey,
  labelsFingerprint,
  MAX_DEDUP_KEY_LENGTH,
  pagerdutyDedupKey,
} from '../../domain/alerts/dedup';
import {
  pagerdutyAccepted,
  parseAlertmanagerWebhook,
  parseMetricSamples,
  parsePagerDutyEvent,
} from '../../domain/alerts/intake-schemas';
import { sha256Hex } from '../../domain/alerts/sha256';
import { normaliseSeverity } from '../../domain/alerts/types';
import { inputErrorOf } from '../support/input-error';

const paths = (run: () => unknown) => inputErrorOf(run).issues.map((issue) => issue.path);

/** A delivery as Alertmanager 0.25 sends it (captured from the real binary, then trimmed). */
const delivery = (overrides: Record<string, unknown> = {}) => ({
  receiver: 'arxflow',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', instance: 'a', service: 'api', severity: 'warning' },
      annotations: { summary: 'p99 high on a', runbook_url: 'https://runbooks.test/latency' },
      startsAt: '2025-03-01T10:00:00.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test/graph?g0.expr=latency',
      fingerprint: 'fdc02356195ba59a',
    },
    {
      status: 'resolved',
      labels: { alertname: 'HighLatency', instance: 'b', service: 'api', severity: 'page' },
      annotations: {},
      startsAt: '2025-03-01T09:00:00Z',
      endsAt: '2025-03-01T10:05:00+02:00',
      generatorURL: '',
      fingerprint: '0a1b2c3d4e5f6789',
    },
  ],
  groupLabels: { alertname: 'HighLatency' },
  commonLabels: { alertname: 'HighLatency', service: 'api', team: 'platform' },
  commonAnnotations: { description: 'latency above SLO' },
  externalURL: 'http://alertmanager.test:9093',
  version: '4',
  groupKey: '{}:{alertname="HighLatency"}',
  truncatedAlerts: 0,
  ...overrides,
});

describe('sha256Hex', () => {
  it('agrees with node:crypto on ASCII, multi-byte text and block boundaries', () => {
    for (const text of [
      '',
      'abc',
      'a'.repeat(55),
      'a'.repeat(56),
      'a'.repeat(64),
      'Überlauf 🚧 €',
      '\ud800 lone surrogate',
    ]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (text) => sha256Hex(text) === createHash('sha256').update(text, 'utf8').digest('hex'),
      ),
    );
  });
});

describe('Alertmanager webhook v4', () => {
  it('turns each alert into an event: firing triggers, resolved resolves', () => {
    const batch = parseAlertmanagerWebhook(delivery());
    expect(batch).toMatchObject({
      receiver: 'arxflow',
      status: 'firing',
      truncatedAlerts: 0,
      groupLabels: { alertname: 'HighLatency' },
    });
    const [firing, resolved] = batch.events;
    expect(firing).toEqual({
      source: 'alertmanager',
      dedupKey: alertmanagerDedupKey('{}:{alertname="HighLatency"}', 'fdc02356195ba59a'),
      sourceKey: 'fdc02356195ba59a',
      action: 'trigger',
      severity: 'warning',
      summary: 'p99 high on a',
      service: 'api',
      group: '{}:{alertname="HighLatency"}',
      labels: { alertname: 'HighLatency', instance: 'a', service: 'api', severity: 'warning', team: 'platform' },
      annotations: {
        summary: 'p99 high on a',
        runbook_url: 'https://runbooks.test/latency',
        description: 'latency above SLO',
      },
      // nanoseconds cut to milliseconds; Alertmanager's zero endsAt means "not ended"
      startsAt: '2025-03-01T10:00:00.123Z',
      links: [
        { href: 'http://prometheus.test/graph?g0.expr=latency', text: 'Source' },
        { href: 'https://runbooks.test/latency', text: 'Runbook' },
        { href: 'http://alertmanager.test:9093', text: 'Alertmanager' },
      ],
      images: [],
    });
    expect(resolved).toMatchObject({
      action: 'resolve',
      severity: 'critical',
      summary: 'latency above SLO',
      endsAt: '2025-03-01T08:05:00.000Z',
      sourceKey: '0a1b2c3d4e5f6789',
    });
    expect(resolved?.links.map((l) => l.text)).toEqual(['Alertmanager']);
  });

  it('keys are stable, distinct per alert and per group, and safe in a workflow id', () => {
    const first = parseAlertmanagerWebhook(delivery()).events.map((e) => e.dedupKey);
    const again = parseAlertmanagerWebhook(delivery({ status: 'resolved', receiver: 'other' })).events.map(
      (e) => e.dedupKey,
    );
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
    const otherGroup = parseAlertmanagerWebhook(delivery({ groupKey: '{}/{team="x"}:{alertname="HighLatency"}' }))
      .events[0]?.dedupKey;
    expect(otherGroup).not.toBe(first[0]);
    for (const key of [...first, otherGroup!]) {
      expect(key).toMatch(/^am-[0-9a-f]{64}$/);
      expect(isSafeDedupKey(key)).toBe(true);
      expect(alertWorkflowId(key)).toBe(`alert/${key}`);
    }
    // the hash covers the boundary between groupKey and fingerprint
    expect(alertmanagerDedupKey('a', 'bc')).not.toBe(alertmanagerDedupKey('ab', 'c'));
  });

  it('derives a fingerprint from the labels when a sender leaves it out', () => {
    const alerts = delivery().alerts.map(({ fingerprint: _f, ...alert }) => alert);
    const [event] = parseAlertmanagerWebhook(delivery({ alerts })).events;
    expect(event?.sourceKey).toBe(
      labelsFingerprint({ alertname: 'HighLatency', instance: 'a', service: 'api', severity: 'warning' }),
    );
    expect(labelsFingerprint({ b: '2', a: '1' })).toBe(labelsFingerprint({ a: '1', b: '2' }));
  });

  it('does not trust commonLabels or commonAnnotations when alerts were truncated', () => {
    // What Alertmanager 0.25 really sends with max_alerts: 1 (see test/integration/alert-standins):
    // commonLabels computed over the kept alert only.
    const truncated = delivery({
      truncatedAlerts: 1,
      alerts: [delivery().alerts[0]],
      commonLabels: { alertname: 'HighLatency', instance: 'a', service: 'api', severity: 'warning', team: 'wrong' },
      commonAnnotations: { description: 'describes the kept alert only' },
    });
    const batch = parseAlertmanagerWebhook(truncated);
    expect(batch.commonLabels).toEqual({ alertname: 'HighLatency' });
    expect(batch.events[0]?.labels).toEqual({
      alertname: 'HighLatency',
      instance: 'a',
      service: 'api',
      severity: 'warning',
    });
    expect(batch.events[0]?.annotations).not.toHaveProperty('description');
    // the same alert without truncation takes the common ones under its own
    expect(parseAlertmanagerWebhook(delivery()).events[0]?.labels.team).toBe('platform');
  });

  it('maps severity spellings and defaults to warning; summary falls back to the alert name', () => {
    expect(
      ['critical', 'page', 'P1', 'error', 'high', 'warn', 'minor', 'info', 'none', 'bogus', undefined].map(
        normaliseSeverity,
      ),
    ).toEqual([
      'critical',
      'critical',
      'critical',
      'error',
      'error',
      'warning',
      'warning',
      'info',
      'info',
      undefined,
      undefined,
    ]);
    const bare = delivery({
      commonLabels: {},
      commonAnnotations: {},
      alerts: [{ ...delivery().alerts[1], labels: { alertname: 'Bare' }, annotations: {} }],
    });
    const [event] = parseAlertmanagerWebhook(bare).events;
    expect(event).toMatchObject({ severity: 'warning', summary: 'Bare' });
    expect(event?.service).toBeUndefined();
  });

  it('refuses bad payloads naming the field', () => {
    expect(paths(() => parseAlertmanagerWebhook(delivery({ version: '3' })))).toEqual(['version']);
    expect(inputErrorOf(() => parseAlertmanagerWebhook(delivery({ version: '3' }))).message).toMatch(
      /version: must be "4"/,
    );
    expect(paths(() => parseAlertmanagerWebhook(delivery({ groupKey: '' })))).toEqual(['groupKey']);
    const badAlert = { ...delivery().alerts[0], status: 'pending', startsAt: 'yesterday', labels: { a: 1 } };
    expect(paths(() => parseAlertmanagerWebhook(delivery({ alerts: [delivery().alerts[0], badAlert] })))).toEqual([
      'alerts.1.status',
      'alerts.1.labels.a',
      'alerts.1.startsAt',
    ]);
    expect(paths(() => parseAlertmanagerWebhook(delivery({ truncatedAlerts: -1 })))).toEqual(['truncatedAlerts']);
    expect(paths(() => parseAlertmanagerWebhook('not json'))).toEqual(['(root)']);
  });

  it('keeps only http(s) links', () => {
    const alerts = [
      {
        ...delivery().alerts[0],
        generatorURL: 'javascript:alert(1)',
        annotations: { runbook_url: 'file:///etc/passwd' },
      },
    ];
    expect(parseAlertmanagerWebhook(delivery({ alerts, externalURL: '' })).events[0]?.links).toEqual([]);
  });
});

describe('PagerDuty Events API v2', () => {
  const ROUTING = 'R0123456789ABCDEF0123456789ABCDE';
  const trigger = (overrides: Record<string, unknown> = {}) => ({
    routing_key: ROUTING,
    event_action: 'trigger',
    dedup_key: 'disk-full/web-1',
    payload: {
      summary: 'Disk full on web-1',
      source: 'web-1',
      severity: 'error',
      timestamp: '2025-03-01T10:00:00+01:00',
      component: 'storage',
      group: 'prod-web',
      class: 'disk',
      custom_details: { used: '97%' },
    },
    links: [{ href: 'https://grafana.test/d/disk', text: 'Dashboard' }],
    images: [{ src: 'https://grafana.test/render/disk.png', alt: 'disk' }],
    client: 'Grafana',
    client_url: 'https://grafana.test',
    ...overrides,
  });
  const RECEIVED = Date.parse('2025-03-01T12:00:00Z');

  it('normalises a trigger; the routing key never leaves the parser', () => {
    const { event, dedupKey, generated } = parsePagerDutyEvent(trigger(), RECEIVED);
    expect(generated).toBe(false);
    expect(dedupKey).toBe('disk-full/web-1');
    expect(event).toMatchObject({
      source: 'pagerduty',
      action: 'trigger',
      severity: 'error',
      summary: 'Disk full on web-1',
      service: 'storage',
      group: 'prod-web',
      sourceKey: 'disk-full/web-1',
      startsAt: '2025-03-01T09:00:00.000Z',
      details: { used: '97%' },
      labels: { source: 'web-1', severity: 'error', component: 'storage', group: 'prod-web', class: 'disk' },
      links: [
        { href: 'https://grafana.test/d/disk', text: 'Dashboard' },
        { href: 'https://grafana.test', text: 'Grafana' },
      ],
      images: [{ src: 'https://grafana.test/render/disk.png', alt: 'disk' }],
    });
    // "/" is not safe in an id, so the client's key is hashed; the routing key only as a short digest
    expect(event.dedupKey).toBe(`pd-${sha256Hex(ROUTING).slice(0, 8)}-${sha256Hex('disk-full/web-1')}`);
    expect(JSON.stringify(event)).not.toContain(ROUTING);
    expect(pagerdutyAccepted(dedupKey, event.dedupKey)).toEqual({
      status: 'success',
      message: 'Event processed',
      dedup_key: 'disk-full/web-1',
      alert_id: event.dedupKey,
      workflow_id: `alert/${event.dedupKey}`,
    });
  });

  it('keeps a safe client key readable, scoped by routing key, at most 255 characters', () => {
    const safe = parsePagerDutyEvent(trigger({ dedup_key: 'disk-full.web-1' }), RECEIVED).event.dedupKey;
    expect(safe).toBe(`pd-${sha256Hex(ROUTING).slice(0, 8)}-disk-full.web-1`);
    const otherService = parsePagerDutyEvent(
      trigger({ dedup_key: 'disk-full.web-1', routing_key: 'R-other-service-key' }),
      RECEIVED,
    ).event.dedupKey;
    expect(otherService).not.toBe(safe);
    const longest = parsePagerDutyEvent(trigger({ dedup_key: 'k'.repeat(255) }), RECEIVED).event.dedupKey;
    expect(longest.length).toBeLessThanOrEqual(MAX_DEDUP_KEY_LENGTH);
    expect(isSafeDedupKey(longest)).toBe(true);
    expect(paths(() => parsePagerDutyEvent(trigger({ dedup_key: 'k'.repeat(256) }), RECEIVED))).toEqual(['dedup_key']);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 255 }), (key) =>
        isSafeDedupKey(pagerdutyDedupKey(ROUTING, key)),
      ),
    );
  });

  it('generates a dedup key from the content when the trigger has none: a retried POST finds the same alert', () => {
    const { dedup_key: _d, ...withoutKey } = trigger();
    const first = parsePagerDutyEvent(withoutKey, RECEIVED);
    const retried = parsePagerDutyEvent({ ...withoutKey }, RECEIVED + 5_000);
    expect(first.generated).toBe(true);
    expect(first.dedupKey).toMatch(/^[0-9a-f]{32}$/);
    expect(retried.dedupKey).toBe(first.dedupKey);
    expect(retried.event.dedupKey).toBe(first.event.dedupKey);
    const later = parsePagerDutyEvent(
      { ...withoutKey, payload: { ...withoutKey.payload, timestamp: '2025-03-01T10:05:00+01:00' } },
      RECEIVED,
    );
    expect(later.dedupKey).not.toBe(first.dedupKey);
  });

  it('acknowledge and resolve need only the key', () => {
    const ack = parsePagerDutyEvent(
      { routing_key: ROUTING, event_action: 'acknowledge', dedup_key: 'disk-full.web-1' },
      RECEIVED,
    ).event;
    expect(ack).toMatchObject({
      action: 'acknowledge',
      dedupKey: parsePagerDutyEvent(trigger({ dedup_key: 'disk-full.web-1' }), RECEIVED).event.dedupKey,
    });
    expect(ack.startsAt).toBe('2025-03-01T12:00:00.000Z');
    expect(paths(() => parsePagerDutyEvent({ routing_key: ROUTING, event_action: 'resolve' }, RECEIVED))).toEqual([
      'dedup_key',
    ]);
  });

  it('refuses bad events naming the field, and truncates long summaries as PagerDuty does', () => {
    expect(paths(() => parsePagerDutyEvent(trigger({ payload: undefined }), RECEIVED))).toEqual(['payload']);
    expect(paths(() => parsePagerDutyEvent(trigger({ event_action: 'snooze', routing_key: '' }), RECEIVED))).toEqual([
      'routing_key',
      'event_action',
    ]);
    const payload = { summary: '', source: 'web-1', severity: 'fatal', timestamp: 'noon' };
    expect(paths(() => parsePagerDutyEvent(trigger({ payload }), RECEIVED))).toEqual([
      'payload.summary',
      'payload.severity',
      'payload.timestamp',
    ]);
    expect(paths(() => parsePagerDutyEvent(trigger({ links: [{ href: 'ftp://x' }] }), RECEIVED))).toEqual([
      'links.0.href',
    ]);
    const long = parsePagerDutyEvent(
      trigger({ payload: { ...trigger().payload, summary: 'x'.repeat(5000) } }),
      RECEIVED,
    );
    expect(long.event.summary).toHaveLength(1024);
  });
});

describe('metric samples', () => {
  const NOW = Date.parse('2025-03-01T12:00:00Z');

  it('takes one sample, a list, or {samples}; tags become strings; the arrival time stands in for a timestamp', () => {
    const one = parseMetricSamples(
      {
        name: 'disk.used_percent',
        value: 97.5,
        unit: '%',
        source: 'node-exporter',
        tags: { host: 'web-1', ssd: true, rack: 4 },
      },
      NOW,
    );
    expect(one).toEqual([
      {
        name: 'disk.used_percent',
        value: 97.5,
        unit: '%',
        source: 'node-exporter',
        tags: { host: 'web-1', ssd: 'true', rack: '4' },
        at: NOW,
      },
    ]);
    const list = parseMetricSamples(
      [
        { name: 'cpu', value: 1, timestamp: '2025-03-01T11:59:00Z' },
        { name: 'cpu', value: 2, timestamp: NOW - 1 },
      ],
      NOW,
    );
    expect(list.map((s) => s.at)).toEqual([NOW - 60_000, NOW - 1]);
    expect(parseMetricSamples({ samples: [{ name: 'cpu', value: 0 }] }, NOW)).toHaveLength(1);
  });

  it('names the bad field in each shape', () => {
    expect(paths(() => parseMetricSamples({ name: 'cpu', value: 'high' }, NOW))).toEqual(['value']);
    expect(
      paths(() =>
        parseMetricSamples(
          [
            { name: 'cpu', value: 1 },
            { name: 'bad name!', value: 1 },
          ],
          NOW,
        ),
      ),
    ).toEqual(['1.name']);
    expect(paths(() => parseMetricSamples({ samples: [{ name: 'cpu', value: 1, tag: {} }] }, NOW))).toEqual([
      'samples.0.tag',
    ]);
    expect(paths(() => parseMetricSamples({ name: 'cpu', value: 1, tags: { 'bad-tag': 'x' } }, NOW))).toEqual([
      'tags.bad-tag',
    ]);
    expect(paths(() => parseMetricSamples([], NOW))).toEqual(['(root)']);
  });
});
