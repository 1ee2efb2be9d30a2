/*
 * Dates as a building department prints them: in one named zone, in words ("December 2,
 * 2026"), never an ISO timestamp. Intl carries the zone rules, so this stays pure.
 */

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of an instant in `timeZone`: "December 2, 2026". */
export function plainDay(iso: string, timeZone: string): string {
  return formatter(dayFormats, timeZone, { dateStyle: 'long' }).format(new Date(iso));
}

/** An instant in `timeZone` with its time: "December 11, 2026, 9:00 AM CST". */
export function plainDayTime(iso: string, timeZone: string): string {
  return formatter(timeFormats, timeZone, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** A YYYY-MM-DD day (a code's effective date, "as of") as words; it has no zone to convert. */
export function plainCalendarDay(day: string): string {
  return plainDay(`${day}T12:00:00.000Z`, 'UTC');
}

function formatter(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) cache.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { ...options, timeZone })));
  return format;
}
