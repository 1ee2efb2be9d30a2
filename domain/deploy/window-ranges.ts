import type { WindowRange } from './deploy-types';

/**
 * The two kinds of range a freeze window lists (arxflow.config.yaml, `windows.allowed` and
 * `windows.blackouts`), read as local times of the window's zone:
 * - weekly, `fri 16:00` .. `mon 08:00`: from inclusive, to exclusive; a `to` earlier in the
 *   week than `from` wraps over the week's end;
 * - dates, `2026-12-20` .. `2027-01-04`: whole days, both inclusive.
 * Shared by the config check (shape, overlaps) and the calendar (freeze-windows.ts).
 */

export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const WEEK_MINUTES = 7 * 24 * 60;

/** Minutes since Monday 00:00 local. */
export interface WeeklyRange {
  kind: 'weekly';
  from: number;
  to: number;
}

/** Local calendar days as `YYYYMMDD` numbers (sortable), both inclusive. */
export interface DateRange {
  kind: 'dates';
  from: number;
  to: number;
}

export type ParsedRange = WeeklyRange | DateRange;

const WEEKLY = /^(mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):([0-5]\d)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function weeklyPoint(text: string): number | undefined {
  const match = WEEKLY.exec(text.trim());
  if (!match) return undefined;
  const day = WEEK_DAYS.indexOf(match[1]!.toLowerCase() as (typeof WEEK_DAYS)[number]);
  return day * 1440 + Number(match[2]) * 60 + Number(match[3]);
}

function datePoint(text: string): number | undefined {
  const match = DATE.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over to March: a real date comes back unchanged.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return year * 10_000 + month * 100 + day;
}

/** The range, or why it is not one (the field named: `from` / `to`). */
export function parseWindowRange(
  range: WindowRange,
): { range: ParsedRange } | { field: 'from' | 'to'; problem: string } {
  const weeklyFrom = weeklyPoint(range.from);
  const dateFrom = weeklyFrom === undefined ? datePoint(range.from) : undefined;
  if (weeklyFrom === undefined && dateFrom === undefined)
    return {
      field: 'from',
      problem: `"${range.from}" is neither a weekday and time ("fri 16:00") nor a date ("2026-12-20")`,
    };
  if (weeklyFrom !== undefined) {
    const to = weeklyPoint(range.to);
    if (to === undefined)
      return { field: 'to', problem: `"${range.to}" must be a weekday and time like from ("mon 08:00")` };
    if (to === weeklyFrom)
      return { field: 'to', problem: 'must differ from from (a range of the whole week is no range)' };
    return { range: { kind: 'weekly', from: weeklyFrom, to } };
  }
  const to = datePoint(range.to);
  if (to === undefined) return { field: 'to', problem: `"${range.to}" must be a date like from ("2027-01-04")` };
  if (to < dateFrom!) return { field: 'to', problem: `must not be before from (${range.from})` };
  return { range: { kind: 'dates', from: dateFrom!, to } };
}

/** A weekly range as half-open minute spans within one week (two when it wraps). */
function weeklySpans(range: WeeklyRange): Array<[number, number]> {
  return range.from < range.to
    ? [[range.from, range.to]]
    : [
        [range.from, WEEK_MINUTES],
        [0, range.to],
      ];
}

/** Whether two ranges of the same kind share a moment (ranges of different kinds are never compared). */
export function rangesOverlap(a: ParsedRange, b: ParsedRange): boolean {
  if (a.kind === 'dates' && b.kind === 'dates') return a.from <= b.to && b.from <= a.to;
  if (a.kind === 'weekly' && b.kind === 'weekly')
    return weeklySpans(a).some(([aFrom, aTo]) => weeklySpans(b).some(([bFrom, bTo]) => aFrom < bTo && bFrom < aTo));
  return false;
}

/** `fri 16:00..mon 08:00` as the config wrote it, for reasons. */
export function rangeText(range: WindowRange): string {
  return `${range.from.trim()}..${range.to.trim()}`;
}
