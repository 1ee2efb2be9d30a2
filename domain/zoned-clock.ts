/**
 * Local calendar arithmetic in an IANA zone, for business hours (alerts) and the freeze-window
 * calendar (deployments). Pure and deterministic: Intl carries the zone rules (available in
 * the workflow sandbox), the instant is always passed in. A local time that does not exist
 * (the hour skipped when clocks go forward) moves forward by the gap, 02:30 becoming 03:30; a
 * local time that happens twice means the first of the two.
 */

const DAY_MS = 86_400_000;

/** A local calendar day; `day` may overflow (the 32nd of January is the 1st of February). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

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

/** The wall clock of the zone at `at`, as if it were UTC (ms, whole seconds). */
function wallClock(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** How far the zone's wall clock is ahead of UTC at `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  return wallClock(at, timeZone) - (at - (((at % 1000) + 1000) % 1000));
}

/** The local day `at` falls on, and its weekday (0 Monday .. 6 Sunday). */
export function localDateOf(at: number, timeZone: string): LocalDate & { weekday: number } {
  const wall = new Date(wallClock(at, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/** `date` moved by `days` local days. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** The instant a local day and minute of the day occur in the zone (gaps and repeats as above). */
export function zonedInstant(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // The offsets half a day either side cover both readings around a transition.
  const candidates = [offsetAt(wall - DAY_MS / 2, timeZone), offsetAt(wall + DAY_MS / 2, timeZone)].map(
    (offset) => wall - offset,
  );
  const exact = candidates.filter((instant) => instant + offsetAt(instant, timeZone) === wall);
  // Repeated hour: the earlier instant. Skipped hour: none is exact; the later one is after the gap.
  return exact.length > 0 ? Math.min(...exact) : Math.max(...candidates);
}
