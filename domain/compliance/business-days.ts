/**
 * Business-day arithmetic for review clocks: Saturdays, Sundays and a jurisdiction's
 * holidays do not count. Pure (instants in, instants out) so workflows compute their
 * timers with it and tests can state the calendar exactly.
 *
 * Days are UTC calendar days: a jurisdiction's clock is counted in whole days, and the
 * offset of a local office changes only the hour a deadline falls on, not the day count.
 *
 * The unit is "business milliseconds": time that passes on a business day. A clock that
 * pauses and resumes (the review SLA while the applicant revises) adds up business time
 * with businessMsBetween and finds its deadline with addBusinessMs; N business days are
 * N x 24 h of business time, so a Friday 15:00 start plus 1 business day is Monday 15:00.
 */

export const DAY_MS = 86_400_000;

export interface BusinessCalendar {
  /** YYYY-MM-DD days off besides weekends (UTC days). */
  holidays?: readonly string[];
}

function dayKey(dayStart: number): string {
  return new Date(dayStart).toISOString().slice(0, 10);
}

/** Whether the UTC day containing `instant` is a working day. */
export function isBusinessDay(instant: number, calendar: BusinessCalendar = {}): boolean {
  const weekday = new Date(instant).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !(calendar.holidays ?? []).includes(dayKey(startOfDay(instant)));
}

function startOfDay(instant: number): number {
  return Math.floor(instant / DAY_MS) * DAY_MS;
}

/** The instant when `amountMs` of business time has passed after `start`. */
export function addBusinessMs(start: number, amountMs: number, calendar: BusinessCalendar = {}): number {
  if (!(amountMs >= 0)) throw new RangeError(`business time must be 0 or more, got ${amountMs}`);
  let at = start;
  let left = amountMs;
  // Bounded: every iteration moves to the next day; a calendar that is all holidays would
  // never end, so holidays are at most a list of days, not a rule.
  for (;;) {
    const dayEnd = startOfDay(at) + DAY_MS;
    if (isBusinessDay(at, calendar)) {
      if (at + left <= dayEnd) return at + left;
      left -= dayEnd - at;
    }
    at = dayEnd;
  }
}

export function addBusinessDays(start: number, days: number, calendar: BusinessCalendar = {}): number {
  return addBusinessMs(start, days * DAY_MS, calendar);
}

/** Business time between two instants (0 when `to` is not after `from`). */
export function businessMsBetween(from: number, to: number, calendar: BusinessCalendar = {}): number {
  let total = 0;
  for (let at = from; at < to;) {
    const dayEnd = Math.min(startOfDay(at) + DAY_MS, to);
    if (isBusinessDay(at, calendar)) total += dayEnd - at;
    at = dayEnd;
  }
  return total;
}
