import { businessHoursProblem, nextBusinessInstant, type BusinessHours } from './business-hours';
import { matchesAll, type LabelMatcher, type Labels } from './matchers';
import type { Severity } from './types';

/**
 * Escalation policies (PagerDuty / Grafana OnCall style) and the pure planner the alert
 * workflow follows. The YAML side (zod and yaml, boundary only) lives in
 * escalation-policy-schemas.ts. Durations are already milliseconds here.
 *
 * A policy runs in rounds. Each round notifies level 1, waits its escalateAfter, notifies
 * level 2, ... After the last level waits its escalateAfter, the next round starts at
 * level 1 again, `repeat` times. Then escalation is exhausted: the alert stays open until
 * acknowledged, resolved or auto-resolved. Low urgency notifies level 1 once (inside
 * business hours when the policy has them) and does not escalate.
 *
 * Levels and rounds are numbered from 1, as people say them ("level 2").
 */

export const TARGET_KINDS = ['slack_channel', 'slack_user', 'email', 'webhook'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface EscalationTarget {
  kind: TargetKind;
  /** Slack channel name ("#ops") or id, Slack user id, email address, or https URL. */
  to: string;
}

export interface EscalationLevel {
  targets: EscalationTarget[];
  /** How long this level has to acknowledge before the next level (or round) is notified. */
  escalateAfterMs: number;
}

export const URGENCIES = ['high', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface EscalationPolicy {
  name: string;
  /** All must match the alert's labels; empty: any labels. */
  match: LabelMatcher[];
  /** When set, the alert's severity must be one of these. */
  severities?: Severity[];
  urgency: Urgency;
  levels: EscalationLevel[];
  /** Extra rounds after the first (PagerDuty's "repeat this policy N times"). */
  repeat: number;
  /** Low urgency only: notifications wait for these hours. */
  businessHours?: BusinessHours;
  /** An acknowledged alert not resolved within this re-triggers escalation from level 1. */
  ackTimeoutMs?: number;
  /** An open alert the source has not reported for this long resolves itself. */
  autoResolveMs?: number;
  /** When the alert opens (or joins) an incident. */
  incident: { severities: Severity[]; atLevel?: number };
}

export interface EscalationConfig {
  policies: EscalationPolicy[];
  /** Name of the policy used when none matches. */
  defaultPolicy: string;
}

/** The first policy whose matchers and severities fit the alert, else the default. */
export function selectPolicy(config: EscalationConfig, labels: Labels, severity: Severity): EscalationPolicy {
  const chosen = config.policies.find(
    (policy) => matchesAll(policy.match, labels) && (!policy.severities || policy.severities.includes(severity)),
  );
  const fallback = config.policies.find((policy) => policy.name === config.defaultPolicy);
  if (chosen) return chosen;
  if (!fallback) throw new Error(`escalation config has no policy named "${config.defaultPolicy}"`);
  return fallback;
}

/** Where escalation stands: the step most recently notified. `cycle` counts restarts (ack timeout, reassign). */
export interface EscalationPosition {
  cycle: number;
  round: number;
  level: number;
  /** Set on a step someone asked for (escalate now): when they asked. Its messages get keys of their own. */
  manualAt?: number;
}

export type EscalationStep =
  | { kind: 'notify'; position: EscalationPosition; targets: EscalationTarget[]; at: number }
  | { kind: 'done'; reason: 'exhausted' | 'low_urgency' };

/** The first notification of a cycle that starts at `startedAt`; low urgency waits for business hours. */
export function firstStep(policy: EscalationPolicy, startedAt: number, cycle = 1): EscalationStep {
  const at =
    policy.urgency === 'low' && policy.businessHours ? nextBusinessInstant(policy.businessHours, startedAt) : startedAt;
  return notify(policy, { cycle, round: 1, level: 1 }, at);
}

/** What follows the step at `current`, notified at `notifiedAt`; `at` is absolute, so re-planning after a wake-up gives the same answer. */
export function nextStep(policy: EscalationPolicy, current: EscalationPosition, notifiedAt: number): EscalationStep {
  if (policy.urgency === 'low') return { kind: 'done', reason: 'low_urgency' };
  const next = positionAfter(policy, current);
  if (!next) return { kind: 'done', reason: 'exhausted' };
  const waited = policy.levels[current.level - 1]?.escalateAfterMs ?? 0;
  return notify(policy, next, notifiedAt + waited);
}

/** The position after `current` in round order, or undefined after the last level of the last round. */
export function positionAfter(policy: EscalationPolicy, current: EscalationPosition): EscalationPosition | undefined {
  if (current.level < policy.levels.length) return { ...current, level: current.level + 1 };
  if (current.round <= policy.repeat) return { cycle: current.cycle, round: current.round + 1, level: 1 };
  return undefined;
}

/**
 * Where "escalate now" goes: the given level in the current round, or the next position.
 * Returns a refusal string when there is nowhere to go.
 */
export function manualEscalationTarget(
  policy: EscalationPolicy,
  current: EscalationPosition | undefined,
  level?: number,
): EscalationPosition | string {
  const base = current ?? { cycle: 1, round: 1, level: 0 };
  if (level !== undefined) {
    if (!Number.isInteger(level) || level < 1 || level > policy.levels.length) {
      return `level must be between 1 and ${policy.levels.length} (policy "${policy.name}")`;
    }
    return { cycle: base.cycle, round: Math.max(base.round, 1), level };
  }
  if (!current) return { cycle: 1, round: 1, level: 1 };
  return positionAfter(policy, current) ?? `already at the last level (${policy.levels.length}) of the last round`;
}

/** Does an alert at this severity that has reached `level` open (or join) an incident? */
export function opensIncident(policy: EscalationPolicy, severity: Severity, level: number): boolean {
  return (
    policy.incident.severities.includes(severity) ||
    (policy.incident.atLevel !== undefined && level >= policy.incident.atLevel)
  );
}

/** A one-off policy for an alert reassigned to explicit targets: one level, the base policy's timings. */
export function directPolicy(base: EscalationPolicy, targets: EscalationTarget[]): EscalationPolicy {
  const escalateAfterMs = base.levels[0]?.escalateAfterMs ?? 0;
  return {
    ...base,
    name: `${base.name}/reassigned`,
    urgency: 'high',
    businessHours: undefined,
    levels: [{ targets, escalateAfterMs }],
  };
}

/** Cross-field checks the schema and hand-built policies share: the offending field's path and what is wrong. */
export function policyProblem(policy: EscalationPolicy): { path: string[]; message: string } | undefined {
  if (policy.levels.length === 0) return { path: ['levels'], message: 'name at least one level' };
  if (policy.businessHours) {
    if (policy.urgency !== 'low')
      return { path: ['businessHours'], message: 'applies to low urgency only (high urgency pages at any hour)' };
    const problem = businessHoursProblem(policy.businessHours);
    if (problem) return { path: ['businessHours', problem.field], message: problem.message };
  }
  return undefined;
}

function notify(policy: EscalationPolicy, position: EscalationPosition, at: number): EscalationStep {
  return { kind: 'notify', position, targets: policy.levels[position.level - 1]?.targets ?? [], at };
}
