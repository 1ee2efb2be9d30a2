import { clonePlain } from '../plain-data';
import { metricDedupKey } from './dedup';
import { matchesAll, type LabelMatcher } from './matchers';
import type { AlertEvent, Severity } from './types';

/**
 * Threshold rules over pushed metric samples (`POST /v1/metrics`) and their evaluator.
 * The evaluator is a pure state machine with explicit, serialisable state: feed it samples
 * (each with its timestamp) and the passing of time, and it returns transitions. A breach
 * goes pending; still breaching `for` later it fires (an AlertEvent trigger); the first
 * sample back within the threshold resolves it. A series that stops reporting for
 * `staleAfterMs` clears (pending) or resolves (firing), as a Prometheus series going stale.
 *
 * The rules file (YAML, zod) is parsed in metric-rules-schemas.ts, at the boundary.
 */

/** Prometheus metric names, plus the dots and dashes StatsD-style names use. */
export const METRIC_NAME_PATTERN = '[A-Za-z_:][A-Za-z0-9_:.-]*';
export const METRIC_NAME = new RegExp(`^${METRIC_NAME_PATTERN}$`);

export const COMPARATORS = ['>', '>=', '<', '<='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface ThresholdRule {
  /** Lower-case letters, digits, "-" and "_": part of the dedup key. */
  name: string;
  metric: string;
  op: Comparator;
  threshold: number;
  forMs: number;
  severity: Severity;
  /** Template: {{value}} {{threshold}} {{metric}} {{unit}} {{rule}} {{tags.NAME}}. */
  summary?: string;
  labels: Record<string, string>;
  /** Filters on the sample's tags (missing tags read as ""). */
  match: LabelMatcher[];
  service?: string;
}

export interface MetricSample {
  name: string;
  value: number;
  unit?: string;
  source?: string;
  tags: Record<string, string>;
  /** Epoch ms the value was measured. */
  at: number;
}

export interface SeriesState {
  rule: string;
  seriesKey: string;
  tags: Record<string, string>;
  source?: string;
  unit?: string;
  phase: 'pending' | 'firing';
  /** First breaching sample of this episode. */
  activeSince: number;
  firingSince?: number;
  /** When a trigger for this episode was last emitted (firing or repeat). */
  reportedAt?: number;
  lastValue: number;
  lastAt: number;
}

export interface EvaluatorState {
  /** Keyed by `${rule}|${seriesKey}`; only breaching series are kept. */
  series: Record<string, SeriesState>;
  /** Last sample time per series, so late samples are ignored instead of flapping the state. */
  lastSeen: Record<string, number>;
}

export type MetricTransition =
  | { kind: 'pending' | 'cleared'; rule: string; seriesKey: string; at: number; value: number }
  | {
      kind: 'firing' | 'repeat' | 'resolved';
      rule: string;
      seriesKey: string;
      at: number;
      value: number;
      event: AlertEvent;
    };

export interface EvaluatorOptions {
  /** A series silent this long clears or resolves (Prometheus' staleness is 5 minutes). */
  staleAfterMs?: number;
  /**
   * A firing series re-sends its trigger at most this often while samples keep breaching,
   * as Alertmanager's repeat_interval: the alert's last-seen time moves, so auto-resolve
   * does not close an alert that is still breaching.
   */
  repeatEveryMs?: number;
}

export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;
export const DEFAULT_REPEAT_EVERY_MS = 5 * 60_000;

/** `name{a="1",b="2"}` with tags sorted: one series of a metric. */
export function seriesKeyOf(name: string, tags: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(tags)
    .sort()
    .map((key) => `${key}=${JSON.stringify(tags[key])}`);
  return `${name}{${pairs.join(',')}}`;
}

export function breaches(rule: ThresholdRule, value: number): boolean {
  switch (rule.op) {
    case '>':
      return value > rule.threshold;
    case '>=':
      return value >= rule.threshold;
    case '<':
      return value < rule.threshold;
    case '<=':
      return value <= rule.threshold;
  }
}

export class ThresholdEvaluator {
  private readonly state: EvaluatorState;
  private readonly staleAfterMs: number;
  private readonly repeatEveryMs: number;

  constructor(
    private readonly rules: readonly ThresholdRule[],
    state?: EvaluatorState,
    options: EvaluatorOptions = {},
  ) {
    this.state = state ? clonePlain(state) : { series: {}, lastSeen: {} };
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.repeatEveryMs = options.repeatEveryMs ?? DEFAULT_REPEAT_EVERY_MS;
  }

  /** Applies one sample to every rule on its metric. Samples older than the series' last one change nothing. */
  observe(sample: MetricSample): MetricTransition[] {
    const seriesKey = seriesKeyOf(sample.name, sample.tags);
    const previous = this.state.lastSeen[seriesKey];
    if (previous !== undefined && sample.at < previous) return [];
    this.state.lastSeen[seriesKey] = sample.at;
    const transitions: MetricTransition[] = [];
    for (const rule of this.rules) {
      if (rule.metric !== sample.name || !matchesAll(rule.match, sample.tags)) continue;
      const id = `${rule.name}|${seriesKey}`;
      const current = this.state.series[id];
      if (!breaches(rule, sample.value)) {
        if (current) transitions.push(this.end(rule, current, sample.at, sample.value));
        continue;
      }
      const series: SeriesState = current ?? {
        rule: rule.name,
        seriesKey,
        tags: { ...sample.tags },
        phase: 'pending',
        activeSince: sample.at,
        lastValue: sample.value,
        lastAt: sample.at,
        ...(sample.source !== undefined ? { source: sample.source } : {}),
        ...(sample.unit !== undefined ? { unit: sample.unit } : {}),
      };
      series.lastValue = sample.value;
      series.lastAt = sample.at;
      this.state.series[id] = series;
      if (series.phase === 'pending' && sample.at - series.activeSince >= rule.forMs)
        transitions.push(this.fire(rule, series, sample.at));
      else if (series.phase === 'firing' && sample.at - (series.reportedAt ?? 0) >= this.repeatEveryMs) {
        series.reportedAt = sample.at;
        transitions.push({
          kind: 'repeat',
          rule: rule.name,
          seriesKey,
          at: sample.at,
          value: sample.value,
          event: eventOf(rule, series, 'trigger', sample.at),
        });
      } else if (!current)
        transitions.push({ kind: 'pending', rule: rule.name, seriesKey, at: sample.at, value: sample.value });
    }
    return transitions;
  }

  /** Lets time pass without samples: pending series whose `for` elapsed fire; silent series go stale. */
  advance(now: number): MetricTransition[] {
    // A series silent for the stale period is forgotten, so the state (carried through
    // continue-as-new) holds the series that report, not every series ever seen.
    for (const [seriesKey, at] of Object.entries(this.state.lastSeen)) {
      if (now - at >= this.staleAfterMs) delete this.state.lastSeen[seriesKey];
    }
    const transitions: MetricTransition[] = [];
    for (const series of Object.values(this.state.series)) {
      const rule = this.rules.find((r) => r.name === series.rule);
      if (!rule) continue;
      if (now - series.lastAt >= this.staleAfterMs) transitions.push(this.end(rule, series, now, series.lastValue));
      else if (series.phase === 'pending' && now - series.activeSince >= rule.forMs)
        transitions.push(this.fire(rule, series, now));
    }
    return transitions;
  }

  /** The next instant `advance` would change something (a `for` elapsing, a series going stale): a workflow's timer. */
  nextDueAt(): number | undefined {
    const times = Object.values(this.state.series).flatMap((series) => {
      const rule = this.rules.find((r) => r.name === series.rule);
      const stale = series.lastAt + this.staleAfterMs;
      return rule && series.phase === 'pending' ? [series.activeSince + rule.forMs, stale] : [stale];
    });
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Plain JSON state for continue-as-new or a query. */
  snapshot(): EvaluatorState {
    return clonePlain(this.state);
  }

  private fire(rule: ThresholdRule, series: SeriesState, at: number): MetricTransition {
    series.phase = 'firing';
    series.firingSince = at;
    series.reportedAt = at;
    return {
      kind: 'firing',
      rule: rule.name,
      seriesKey: series.seriesKey,
      at,
      value: series.lastValue,
      event: eventOf(rule, series, 'trigger', at),
    };
  }

  private end(rule: ThresholdRule, series: SeriesState, at: number, value: number): MetricTransition {
    delete this.state.series[`${rule.name}|${series.seriesKey}`];
    const base = { rule: rule.name, seriesKey: series.seriesKey, at, value };
    if (series.phase === 'pending') return { kind: 'cleared', ...base };
    return { kind: 'resolved', ...base, event: eventOf(rule, { ...series, lastValue: value }, 'resolve', at) };
  }
}

/** The AlertEvent a breach raises or a recovery resolves: same dedup key for both. */
export function eventOf(
  rule: ThresholdRule,
  series: SeriesState,
  action: 'trigger' | 'resolve',
  at: number,
): AlertEvent {
  const labels: Record<string, string> = {
    ...series.tags,
    ...(series.source !== undefined && series.tags.source === undefined ? { source: series.source } : {}),
    ...rule.labels,
    alertname: rule.name,
    metric: rule.metric,
    severity: rule.severity,
  };
  const service = rule.service ?? labels.service;
  return {
    source: 'metrics',
    dedupKey: metricDedupKey(rule.name, series.seriesKey),
    sourceKey: series.seriesKey,
    action,
    severity: rule.severity,
    summary: summaryOf(rule, series),
    ...(service !== undefined ? { service } : {}),
    group: rule.name,
    labels,
    annotations: {},
    startsAt: new Date(series.firingSince ?? series.activeSince).toISOString(),
    ...(action === 'resolve' ? { endsAt: new Date(at).toISOString() } : {}),
    links: [],
    images: [],
    details: {
      value: series.lastValue,
      threshold: rule.threshold,
      op: rule.op,
      ...(series.unit ? { unit: series.unit } : {}),
    },
  };
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;
export const SUMMARY_FIELDS = ['value', 'threshold', 'metric', 'unit', 'rule'];

function summaryOf(rule: ThresholdRule, series: SeriesState): string {
  const unit = series.unit ?? '';
  if (!rule.summary)
    return `${rule.metric} ${rule.op} ${rule.threshold}${unit}: ${series.lastValue}${unit} (${series.seriesKey})`;
  const fields: Record<string, string> = {
    value: String(series.lastValue),
    threshold: String(rule.threshold),
    metric: rule.metric,
    unit,
    rule: rule.name,
  };
  return rule.summary.replace(PLACEHOLDER, (_m, path: string) =>
    path.startsWith('tags.') ? (series.tags[path.slice(5)] ?? '') : (fields[path] ?? ''),
  );
}
