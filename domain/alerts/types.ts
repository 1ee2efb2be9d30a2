/**
 * The common shape every alert source is normalised into, and the small vocabulary shared
 * by the alert modules. The sources' own formats are parsed in intake-schemas.ts.
 */

export const ALERT_SOURCES = ['alertmanager', 'pagerduty', 'metrics'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** PagerDuty's four severities, most severe first. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertLink {
  href: string;
  text?: string;
}

export interface AlertImage {
  src: string;
  href?: string;
  alt?: string;
}

/** One event from a source, after parsing: what the gateway hands to `alert/<dedupKey>`. */
export interface AlertEvent {
  source: AlertSource;
  /** Stable, at most 255 characters of [A-Za-z0-9._~-]: the workflow id is `alert/<dedupKey>`. */
  dedupKey: string;
  /** The key as the source knows it: PagerDuty's dedup_key (echoed in the 202), Alertmanager's fingerprint, the metric series. */
  sourceKey: string;
  action: AlertAction;
  severity: Severity;
  summary: string;
  service?: string;
  /** What the source groups by: Alertmanager's groupKey, PagerDuty's payload.group, the metric rule name. */
  group?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO 8601, millisecond precision. */
  startsAt: string;
  endsAt?: string;
  links: AlertLink[];
  images: AlertImage[];
  /** PagerDuty's custom_details; a metric breach's value and threshold. */
  details?: Record<string, unknown>;
}

/** One line of an alert's or incident's history (also written to the audit chain). */
export interface TimelineEntry {
  at: string;
  by: string;
  event: string;
  detail?: string;
}

/** Smaller is more severe: sort ascending to put critical first. */
function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The more severe of two severities. */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/**
 * Alertmanager rules label severity freely; these are the spellings seen in the wild
 * (Prometheus mixins, OpsGenie/PagerDuty priorities). Unknown or missing: undefined, and
 * the caller decides the default.
 */
const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  p1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  low: 'info',
  none: 'info',
  notice: 'info',
  p4: 'info',
  p5: 'info',
};

export function normaliseSeverity(text: string | undefined): Severity | undefined {
  return text === undefined ? undefined : SEVERITY_ALIASES[text.trim().toLowerCase()];
}
