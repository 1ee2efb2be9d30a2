import { matchesAll, type LabelMatcher, type Labels } from './matchers';

/**
 * Silences and maintenance windows: label matchers with a start and an end, as in
 * Alertmanager. While one matches an alert, its notifications are suppressed (and
 * recorded); the alert workflow holds the step until `until` (looking again every few
 * minutes, as a silence can be expired early) and escalation resumes if the alert is still
 * open. Operators' requests are parsed in silence-schemas.ts.
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
