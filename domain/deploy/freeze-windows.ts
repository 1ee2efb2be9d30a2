import type { WindowRange, WindowsConfig } from './deploy-types';
import { parseWindowRange, rangeText, type ParsedRange } from './window-ranges';
import { addDays, localDateOf, zonedInstant, type LocalDate } from '../zoned-clock';

/**
 * The freeze-window calendar a deployment consults before it changes anything: open means
 * inside one of the allowed ranges (or none are listed) and outside every blackout, read in
 * the windows' time zone. Deterministic and sandbox-safe (no clock, no Node modules; Intl
 * supplies the zone rules), so the workflow calls it with workflow time and sleeps until
 * `opensAt` on a durable timer. DST-correct: ranges are local wall-clock times turned into
 * instants day by day, so a blackout ending `mon 08:00` ends at 08:00 local on either side
 * of a clock change.
 */

export interface WindowState {
  open: boolean;
  /** Closed: the earliest later instant that is open (absent: none within SEARCH_DAYS). */
  opensAt?: number;
  /** Open: when it closes next, if within SEARCH_DAYS. */
  closesAt?: number;
  /** Closed: which range closes it (`blackout fri 16:00..mon 08:00 Europe/Berlin`). */
  reason?: string;
}

/** How far ahead the calendar looks for an opening. */
export const SEARCH_DAYS = 400;
const DAY_MS = 86_400_000;

interface Interval {
  from: number;
  to: number;
  range: WindowRange;
}

function parsed(range: WindowRange): ParsedRange {
  const result = parseWindowRange(range);
  // The config check refuses these; a hand-made input that slips through is a bug, not a window.
  if ('problem' in result) throw new TypeError(`window range ${rangeText(range)}: ${result.field}: ${result.problem}`);
  return result.range;
}

const dateOf = (yyyymmdd: number): LocalDate => ({
  year: Math.floor(yyyymmdd / 10_000),
  month: Math.floor(yyyymmdd / 100) % 100,
  day: yyyymmdd % 100,
});

/** The instants a range covers between the Monday of the week before `at` and past the search horizon. */
function intervalsOf(range: WindowRange, at: number, timeZone: string, days: number): Interval[] {
  const shape = parsed(range);
  if (shape.kind === 'dates')
    return [
      {
        from: zonedInstant(dateOf(shape.from), 0, timeZone),
        // Inclusive last day: until the start of the day after.
        to: zonedInstant(addDays(dateOf(shape.to), 1), 0, timeZone),
        range,
      },
    ];
  const today = localDateOf(at, timeZone);
  // A range that started in the week before may still run (it may wrap the week).
  const firstMonday = addDays(today, -today.weekday - 7);
  const weeks = Math.ceil(days / 7) + 3;
  const toOffset = shape.to > shape.from ? shape.to : shape.to + 7 * 1440;
  const intervals: Interval[] = [];
  for (let week = 0; week < weeks; week++) {
    const monday = addDays(firstMonday, week * 7);
    const point = (minuteOfWeek: number) =>
      zonedInstant(addDays(monday, Math.floor(minuteOfWeek / 1440)), minuteOfWeek % 1440, timeZone);
    intervals.push({ from: point(shape.from), to: point(toOffset), range });
  }
  return intervals;
}

const containing = (intervals: Interval[], at: number) =>
  intervals.find((interval) => interval.from <= at && at < interval.to);

/** A first look this far ahead answers almost every case at a tenth of the cost (each week costs Intl calls). */
const FIRST_LOOK_DAYS = 21;

/** Whether deployments may start at `atMs` under `windows`, and if not, when they may. */
export function windowState(windows: WindowsConfig | undefined, atMs: number): WindowState {
  if (!windows || (windows.allowed.length === 0 && windows.blackouts.length === 0)) return { open: true };
  const first = stateWithin(windows, atMs, FIRST_LOOK_DAYS);
  return first.opensAt !== undefined || first.closesAt !== undefined ? first : stateWithin(windows, atMs, SEARCH_DAYS);
}

/** The state, looking `days` ahead for the next change. */
function stateWithin(windows: WindowsConfig, atMs: number, days: number): WindowState {
  const zone = windows.timezone;
  const allowed = windows.allowed.flatMap((range) => intervalsOf(range, atMs, zone, days));
  const blackouts = windows.blackouts.flatMap((range) => intervalsOf(range, atMs, zone, days));
  const horizon = atMs + days * DAY_MS;
  const isOpen = (at: number) =>
    (windows.allowed.length === 0 || containing(allowed, at) !== undefined) && containing(blackouts, at) === undefined;

  if (isOpen(atMs)) {
    // Closes at the first later edge where it is no longer open.
    const edges = [...allowed.map((i) => i.to), ...blackouts.map((i) => i.from)]
      .filter((edge) => edge > atMs && edge <= horizon)
      .sort((a, b) => a - b);
    const closesAt = edges.find((edge) => !isOpen(edge));
    return closesAt === undefined ? { open: true } : { open: true, closesAt };
  }

  const blackout = containing(blackouts, atMs);
  const reason = blackout
    ? `blackout ${rangeText(blackout.range)} ${zone}`
    : `outside the allowed windows (${windows.allowed.map(rangeText).join(', ')}) ${zone}`;
  // An open stretch begins where a blackout ends or an allowed range begins.
  const opensAt = [...blackouts.map((i) => i.to), ...allowed.map((i) => i.from)]
    .filter((edge) => edge > atMs && edge <= horizon)
    .sort((a, b) => a - b)
    .find(isOpen);
  return opensAt === undefined
    ? { open: false, reason: `${reason}; no open time within ${days} days` }
    : { open: false, opensAt, reason };
}
