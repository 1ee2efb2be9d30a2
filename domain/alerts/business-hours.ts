import { isTimeZone } from '../time-zones';
import { localDateOf, zonedInstant } from '../zoned-clock';

/**
 * Business hours for low-urgency alerts: which local days and hours a notification may go
 * out, in an IANA time zone. Pure and deterministic (the zone arithmetic of
 * domain/zoned-clock.ts; the instant is always passed in, never read from a clock), so
 * workflows call it directly. Gaps and repeated hours as in zoned-clock.ts.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHours {
  /** IANA zone, e.g. "Europe/Berlin". */
  timeZone: string;
  days: Weekday[];
  /** "HH:MM", local; opening inclusive. */
  start: string;
  /** "HH:MM" after start, local; closing exclusive ("24:00" for midnight). */
  end: string;
}

const HH_MM = /^([01]\d|2[0-4]):([0-5]\d)$/;

/** Which field of a rule is unusable and why, or undefined: checked when config loads, and by workflows that receive a rule. */
export function businessHoursProblem(rule: BusinessHours): { field: keyof BusinessHours; message: string } | undefined {
  if (!isTimeZone(rule.timeZone))
    return { field: 'timeZone', message: `"${rule.timeZone}" is not an IANA time zone such as "Europe/Berlin"` };
  if (!Array.isArray(rule.days) || rule.days.length === 0) return { field: 'days', message: 'name at least one day' };
  const bad = rule.days.find((day) => !(WEEKDAYS as readonly string[]).includes(day));
  if (bad !== undefined) return { field: 'days', message: `"${bad}" is not one of ${WEEKDAYS.join(', ')}` };
  const start = minutesOf(rule.start);
  const end = minutesOf(rule.end);
  if (start === undefined || start >= 24 * 60)
    return { field: 'start', message: 'must be a local time "HH:MM" before 24:00' };
  if (end === undefined) return { field: 'end', message: 'must be a local time "HH:MM"' };
  if (end <= start)
    return { field: 'end', message: 'must be after start (hours that span midnight are not supported)' };
  return undefined;
}

/** The instant itself when it falls inside business hours, otherwise the next opening. */
export function nextBusinessInstant(rule: BusinessHours, at: number): number {
  const start = minutesOf(rule.start) ?? 0;
  const end = minutesOf(rule.end) ?? 24 * 60;
  const today = localDateOf(at, rule.timeZone);
  // Eight local days always include an allowed weekday after `at`.
  for (let offset = 0; offset <= 7; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (!rule.days.includes(WEEKDAYS[date.getUTCDay()]!)) continue;
    const ymd = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    const opens = zonedInstant(ymd, start, rule.timeZone);
    const closes = zonedInstant(ymd, end, rule.timeZone);
    if (at < opens) return opens;
    if (at < closes) return at;
  }
  throw new Error(`business hours ${JSON.stringify(rule)} never open`);
}

export function isWithinBusinessHours(rule: BusinessHours, at: number): boolean {
  return nextBusinessInstant(rule, at) === at;
}

function minutesOf(text: string): number | undefined {
  const match = HH_MM.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}
