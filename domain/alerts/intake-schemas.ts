import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { parseInput } from '../validation';
import {
  alertmanagerDedupKey,
  alertWorkflowId,
  generatedPagerdutyKey,
  labelsFingerprint,
  MAX_DEDUP_KEY_LENGTH,
  pagerdutyDedupKey,
} from './dedup';
import { LABEL_NAME } from './matchers';
import { METRIC_NAME, type MetricSample } from './metric-rules';
import { normaliseSeverity, SEVERITIES, type AlertEvent, type AlertLink } from './types';
import { isRecord } from '../plain-data';

/**
 * What the gateway accepts from alert sources, normalised into AlertEvent: Alertmanager's
 * webhook (payload version 4), PagerDuty's Events API v2, and pushed metric samples.
 * Boundary code (zod): the gateway parses here and hands plain AlertEvents to workflows.
 * Every refusal is an InputError naming the field; the gateway answers 4xx with it.
 */

export const MAX_SUMMARY = 1024;
const MAX_LABELS = 100;
const MAX_TEXT = 16_384;

// ---------------------------------------------------------------- shared parts

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with any fraction (Alertmanager sends nanoseconds), normalised to ISO with milliseconds. */
const timestampSchema = lazySchema(() =>
  z
    .string({ error: 'must be an RFC 3339 time such as 2025-03-01T10:00:00Z' })
    .refine(
      (text) => RFC3339.test(text) && !Number.isNaN(Date.parse(text.replace(' ', 'T'))),
      'must be an RFC 3339 time such as 2025-03-01T10:00:00Z',
    )
    .transform((text) => new Date(Date.parse(text.replace(' ', 'T'))).toISOString()),
);

const labelSetSchema = lazySchema(() =>
  z
    .record(z.string().max(256), z.string().max(MAX_TEXT), { error: 'must be a mapping of names to strings' })
    .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} entries`),
);

/** Links go into Slack messages and emails: only http(s) is kept. */
function httpLink(href: string | undefined, text: string): AlertLink[] {
  if (!href || !/^https?:\/\/[^\s]+$/i.test(href)) return [];
  return [{ href, text }];
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

// ---------------------------------------------------------------- Alertmanager

const amStatusSchema = lazySchema(() => z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }));

const amAlertSchema = lazySchema(() =>
  z.object({
    status: amStatusSchema,
    labels: labelSetSchema,
    annotations: labelSetSchema.default({}),
    startsAt: timestampSchema,
    endsAt: timestampSchema.optional(),
    generatorURL: z.string().max(MAX_TEXT).default(''),
    fingerprint: z.string().trim().max(256).optional(),
  }),
);

export const alertmanagerWebhookSchema = lazySchema(() =>
  z.object({
    version: z.literal('4', { error: 'must be "4" (the Alertmanager webhook payload version this endpoint speaks)' }),
    groupKey: z.string().min(1, 'must not be empty').max(MAX_TEXT),
    truncatedAlerts: z.number().int().min(0).default(0),
    status: amStatusSchema,
    receiver: z.string().max(1024),
    groupLabels: labelSetSchema.default({}),
    commonLabels: labelSetSchema.default({}),
    commonAnnotations: labelSetSchema.default({}),
    externalURL: z.string().max(MAX_TEXT).default(''),
    alerts: z.array(amAlertSchema, { error: 'must be a list of alerts' }).max(1000, 'at most 1000 alerts per delivery'),
  }),
);

export interface AlertmanagerBatch {
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  externalURL: string;
  truncatedAlerts: number;
  groupLabels: Record<string, string>;
  /** commonLabels when every alert is present; only the group labels when Alertmanager truncated the list. */
  commonLabels: Record<string, string>;
  /** One per alert: firing triggers, resolved resolves. */
  events: AlertEvent[];
}

/** Alertmanager's "never" for endsAt of a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00.000Z';

/**
 * Parses a webhook delivery. With truncatedAlerts > 0 the common labels and annotations
 * describe alerts this delivery does not carry, so each alert keeps only its own; without
 * truncation they are merged under the alert's own (they are common to all of them).
 */
export function parseAlertmanagerWebhook(body: unknown): AlertmanagerBatch {
  const hook = parseInput(alertmanagerWebhookSchema, body, 'alertmanager webhook');
  const trusted = hook.truncatedAlerts === 0;
  const events = hook.alerts.map((alert): AlertEvent => {
    const labels = trusted ? { ...hook.commonLabels, ...alert.labels } : { ...alert.labels };
    const annotations = trusted ? { ...hook.commonAnnotations, ...alert.annotations } : { ...alert.annotations };
    const fingerprint = alert.fingerprint || labelsFingerprint(alert.labels);
    const service = labels.service ?? labels.app ?? labels.job;
    return {
      source: 'alertmanager',
      dedupKey: alertmanagerDedupKey(hook.groupKey, fingerprint),
      sourceKey: fingerprint,
      action: alert.status === 'firing' ? 'trigger' : 'resolve',
      severity: normaliseSeverity(labels.severity) ?? 'warning',
      summary: truncate(
        annotations.summary ??
          annotations.description ??
          annotations.message ??
          labels.alertname ??
          'Alertmanager alert',
        MAX_SUMMARY,
      ),
      ...(service ? { service } : {}),
      group: hook.groupKey,
      labels,
      annotations,
      startsAt: alert.startsAt,
      ...(alert.endsAt && alert.endsAt !== ZERO_TIME ? { endsAt: alert.endsAt } : {}),
      links: [
        ...httpLink(alert.generatorURL, 'Source'),
        ...httpLink(annotations.runbook_url, 'Runbook'),
        ...httpLink(annotations.dashboard_url, 'Dashboard'),
        ...httpLink(hook.externalURL, 'Alertmanager'),
      ],
      images: [],
    };
  });
  return {
    receiver: hook.receiver,
    status: hook.status,
    groupKey: hook.groupKey,
    externalURL: hook.externalURL,
    truncatedAlerts: hook.truncatedAlerts,
    groupLabels: hook.groupLabels,
    commonLabels: trusted ? hook.commonLabels : hook.groupLabels,
    events,
  };
}

// ---------------------------------------------------------------- PagerDuty Events API v2

const httpUrlSchema = lazySchema(() =>
  z
    .string()
    .max(MAX_TEXT)
    .regex(/^https?:\/\/\S+$/i, 'must be an http(s) URL'),
);

export const pagerdutyEventSchema = lazySchema(() =>
  z
    .object({
      routing_key: z
        .string({ error: 'required: the integration key' })
        .trim()
        .min(1, 'required: the integration key')
        .max(128),
      event_action: z.enum(['trigger', 'acknowledge', 'resolve'], { error: 'must be trigger, acknowledge or resolve' }),
      dedup_key: z
        .string()
        .min(1, 'must not be empty')
        .max(MAX_DEDUP_KEY_LENGTH, `at most ${MAX_DEDUP_KEY_LENGTH} characters`)
        .optional(),
      payload: z
        .object({
          // PagerDuty truncates long summaries rather than refusing them; so do we.
          summary: z
            .string({ error: 'required: a brief text summary' })
            .trim()
            .min(1, 'required: a brief text summary')
            .transform((s) => truncate(s, MAX_SUMMARY)),
          source: z
            .string({ error: 'required: the affected system' })
            .trim()
            .min(1, 'required: the affected system')
            .max(255),
          severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }),
          timestamp: timestampSchema.optional(),
          component: z.string().trim().max(255).optional(),
          group: z.string().trim().max(255).optional(),
          class: z.string().trim().max(255).optional(),
          custom_details: z.unknown().optional(),
        })
        .optional(),
      client: z.string().max(255).optional(),
      client_url: httpUrlSchema.optional(),
      links: z
        .array(z.object({ href: httpUrlSchema, text: z.string().max(1024).optional() }))
        .max(50)
        .default([]),
      images: z
        .array(z.object({ src: httpUrlSchema, href: httpUrlSchema.optional(), alt: z.string().max(1024).optional() }))
        .max(50)
        .default([]),
    })
    .superRefine((event, ctx) => {
      if (event.event_action === 'trigger' && !event.payload)
        ctx.addIssue({ code: 'custom', path: ['payload'], message: 'required for a trigger' });
      if (event.event_action !== 'trigger' && !event.dedup_key) {
        ctx.addIssue({
          code: 'custom',
          path: ['dedup_key'],
          message: `required to ${event.event_action} (the key of the alert to ${event.event_action})`,
        });
      }
    }),
);

export interface PagerDutyIntake {
  event: AlertEvent;
  /** What to answer in the 202: the client's dedup_key, or the one we generated. */
  dedupKey: string;
  generated: boolean;
}

/**
 * Parses one Events API v2 event. A trigger without dedup_key gets one derived from its
 * content (routing key, payload, links, images): a client retrying the same POST reaches
 * the same alert; any difference (the timestamp, say) opens another. The routing key is a
 * credential and never leaves this function: only a short digest is part of the dedup key.
 * `receivedAt` stands in for a missing payload.timestamp.
 */
export function parsePagerDutyEvent(body: unknown, receivedAt: number): PagerDutyIntake {
  const e = parseInput(pagerdutyEventSchema, body, 'event');
  const generated = e.dedup_key === undefined;
  const clientKey =
    e.dedup_key ??
    generatedPagerdutyKey({ routingKey: e.routing_key, payload: e.payload, links: e.links, images: e.images });
  const p = e.payload;
  const labels: Record<string, string> = p
    ? {
        source: p.source,
        severity: p.severity,
        ...(p.component ? { component: p.component } : {}),
        ...(p.group ? { group: p.group } : {}),
        ...(p.class ? { class: p.class } : {}),
      }
    : {};
  const details = p?.custom_details;
  const service = p?.component || p?.source;
  const event: AlertEvent = {
    source: 'pagerduty',
    dedupKey: pagerdutyDedupKey(e.routing_key, clientKey),
    sourceKey: clientKey,
    action: e.event_action,
    // acknowledge and resolve need only the key; their payload, if any, is informational.
    severity: p?.severity ?? 'info',
    summary: p?.summary ?? `${e.event_action} ${clientKey}`,
    ...(service ? { service } : {}),
    ...(p?.group ? { group: p.group } : {}),
    labels,
    annotations: {},
    startsAt: p?.timestamp ?? new Date(receivedAt).toISOString(),
    links: [...e.links, ...httpLink(e.client_url, e.client ?? 'Source')],
    images: e.images,
    ...(details === undefined
      ? {}
      : {
          details:
            typeof details === 'object' && details !== null && !Array.isArray(details)
              ? (details as Record<string, unknown>)
              : { details },
        }),
  };
  return { event, dedupKey: clientKey, generated };
}

/**
 * The 202 body PagerDuty's API answers with (dedup_key: the sender's key, as given or as
 * generated), and beside it the alert id arxflow made of it and its workflow id, which the
 * CLI, the Web UI and the API list. Operators may use either (alert-keys.ts).
 */
export function pagerdutyAccepted(
  senderKey: string,
  alertId: string,
): { status: 'success'; message: string; dedup_key: string; alert_id: string; workflow_id: string } {
  return {
    status: 'success',
    message: 'Event processed',
    dedup_key: senderKey,
    alert_id: alertId,
    workflow_id: alertWorkflowId(alertId),
  };
}

// ---------------------------------------------------------------- metric samples

const tagValueSchema = lazySchema(() =>
  z
    .union([z.string().max(1024), z.number(), z.boolean()], { error: 'must be a string, number or boolean' })
    .transform(String),
);

export const metricSampleSchema = lazySchema(() =>
  z.strictObject({
    name: z
      .string({ error: 'required: the metric name' })
      .regex(METRIC_NAME, 'must be a metric name such as disk.used_percent')
      .max(200),
    value: z.number({ error: 'must be a finite number' }),
    unit: z.string().trim().max(32).optional(),
    source: z.string().trim().max(200).optional(),
    tags: z
      .record(z.string().regex(LABEL_NAME), tagValueSchema, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? 'tag names are letters, digits and _'
            : 'must be a mapping of tag names to values',
      })
      .refine((tags) => Object.keys(tags).length <= 50, 'at most 50 tags')
      .default({}),
    /** When it was measured: RFC 3339 or epoch milliseconds; default, when it arrived. */
    timestamp: z
      .union([timestampSchema, z.number().int().nonnegative()], {
        error: 'must be an RFC 3339 time or epoch milliseconds',
      })
      .optional(),
  }),
);

const sampleListSchema = lazySchema(() =>
  z
    .array(metricSampleSchema, { error: 'must be a list of samples' })
    .min(1, 'name at least one sample')
    .max(1000, 'at most 1000 samples per request'),
);
const sampleBatchSchema = lazySchema(() => z.strictObject({ samples: sampleListSchema }));

/**
 * One sample, a list, or {samples: [...]}; `receivedAt` stamps samples without a timestamp.
 * The shape is chosen before parsing so that an error names the field (`samples.2.value`).
 */
export function parseMetricSamples(body: unknown, receivedAt: number): MetricSample[] {
  const samples = Array.isArray(body)
    ? parseInput(sampleListSchema, body, 'metrics')
    : isRecord(body) && 'samples' in body
      ? parseInput(sampleBatchSchema, body, 'metrics').samples
      : [parseInput(metricSampleSchema, body, 'metrics')];
  return samples.map((s) => ({
    name: s.name,
    value: s.value,
    ...(s.unit ? { unit: s.unit } : {}),
    ...(s.source ? { source: s.source } : {}),
    tags: s.tags,
    at:
      s.timestamp === undefined ? receivedAt : typeof s.timestamp === 'number' ? s.timestamp : Date.parse(s.timestamp),
  }));
}
