/**
 * Business hours for low-urgency alerts: which local days and hours a notification may go
 * out, in an IANA time zone. Pure and deterministic (Intl supplies the zone rules; the
 * instant is always passed in, never read from a clock), so workflows call it directly.
 *
 * A local time that does not exist (in the hour skipped when clocks go forward) moves
 * forward by the length of the gap, 02:30 becoming 03:30, as JavaScript's Temporal does by
 * default; a local time that happens twice (clocks go back) means the first of the two.
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
const DAY_MS = 86_400_000;

/** Which field of a rule is unusable and why, or undefined: checked when config loads, and by workflows that receive a rule. */
export function businessHoursProblem(rule: BusinessHours): { field: keyof BusinessHours; message: string } | undefined {
  try {
    formatterFor(rule.timeZone);
  } catch {
    return { field: 'timeZone', message: `"${rule.timeZone}" is not an IANA time zone such as "Europe/Berlin"` };
  }
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
  const today = localParts(at, rule.timeZone);
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

// ---------------------------------------------------------------- zone arithmetic

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(at: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** How far the zone's wall clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant a local date and minute-of-day occur in a zone (see the module note for gaps and repeats). */
function zonedInstant(
  date: { year: number; month: number; day: number },
  minuteOfDay: number,
  timeZone: string,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // The offset either side of the wall time covers both readings around a transition.
  const candidates = [offsetAt(wall - DAY_MS / 2, timeZone), offsetAt(wall + DAY_MS / 2, timeZone)].map(
    (offset) => wall - offset,
  );
  const exact = candidates.filter((instant) => instant + offsetAt(instant, timeZone) === wall);
  // Repeated hour: the earlier instant. Skipped hour: none is exact; the later one is after the gap.
  return exact.length > 0 ? Math.min(...exact) : Math.max(...candidates);
}
