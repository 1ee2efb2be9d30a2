import { matcherProblem, matchesAll, matchesEverything, type LabelMatcher, type Labels } from './matchers';
import { isRecord } from './types';

/**
 * Silences and maintenance windows: label matchers with a start and an end, as in
 * Alertmanager. While one matches an alert, its notifications are suppressed (and
 * recorded); the alert workflow sleeps until `until` and escalation resumes if the alert
 * is still open. No zod: the alert workflow evaluates these.
 */

export interface Silence {
  id: string;
  matchers: LabelMatcher[];
  /** ISO 8601. Active from startsAt (inclusive) to endsAt (exclusive), as Alertmanager. */
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(silence: Silence, now: number): SilenceState {
  if (now < Date.parse(silence.startsAt)) return 'pending';
  return now < Date.parse(silence.endsAt) ? 'active' : 'expired';
}

export interface ActiveSilence {
  /** The matching silence active now that lasts longest. */
  silence: Silence;
  /** When the alert stops being silenced: the end of the unbroken run of matching silences (epoch ms). */
  until: number;
}

/**
 * The silence that applies to an alert with `labels` at `now`, and when suppression ends.
 * Overlapping or back-to-back matching silences chain: a maintenance window extended by a
 * second silence keeps the alert quiet until the second one ends.
 */
export function activeSilenceFor(labels: Labels, silences: readonly Silence[], now: number): ActiveSilence | undefined {
  const matching = silences.filter((silence) => matchesAll(silence.matchers, labels));
  const active = matching.filter((silence) => silenceState(silence, now) === 'active');
  if (active.length === 0) return undefined;
  const longest = active.reduce((best, silence) =>
    Date.parse(silence.endsAt) > Date.parse(best.endsAt) ? silence : best,
  );
  let until = Date.parse(longest.endsAt);
  for (let extended = true; extended;) {
    extended = false;
    for (const silence of matching) {
      const [start, end] = [Date.parse(silence.startsAt), Date.parse(silence.endsAt)];
      if (start <= until && end > until) {
        until = end;
        extended = true;
      }
    }
  }
  return { silence: longest, until };
}

/** The next instant a matching silence starts: a workflow waiting on escalation wakes then to re-check. */
export function nextSilenceStart(labels: Labels, silences: readonly Silence[], now: number): number | undefined {
  const starts = silences
    .filter((silence) => matchesAll(silence.matchers, labels) && Date.parse(silence.startsAt) > now)
    .map((silence) => Date.parse(silence.startsAt));
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Why `value` is not a usable Silence, or undefined: the light check for silences arriving in a workflow message. */
export function silenceProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'a silence must be an object';
  const { id, matchers, startsAt, endsAt, createdBy, comment } = value;
  if (typeof id !== 'string' || id.trim() === '' || id.length > 200) return 'id: must be a non-empty string';
  if (!Array.isArray(matchers) || matchers.length === 0) return 'matchers: name at least one matcher';
  for (const [index, matcher] of matchers.entries()) {
    const problem = matcherProblem(matcher);
    if (problem) return `matchers.${index}: ${problem}`;
  }
  if (matchesEverything(matchers as LabelMatcher[]))
    return 'matchers: at least one matcher must not match an empty label (this would silence every alert)';
  for (const [field, time] of [
    ['startsAt', startsAt],
    ['endsAt', endsAt],
  ] as const) {
    if (typeof time !== 'string' || !ISO.test(time) || Number.isNaN(Date.parse(time)))
      return `${field}: must be an ISO 8601 time`;
  }
  if (Date.parse(endsAt as string) <= Date.parse(startsAt as string)) return 'endsAt: must be after startsAt';
  if (typeof createdBy !== 'string' || createdBy.trim() === '') return 'createdBy: must be a non-empty string';
  if (typeof comment !== 'string') return 'comment: must be a string';
  return undefined;
}
