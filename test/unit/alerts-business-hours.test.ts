import fc from 'fast-check';
import {
  businessHoursProblem,
  isWithinBusinessHours,
  nextBusinessInstant,
  type BusinessHours,
} from '../../domain/alerts/business-hours';

const weekdays: BusinessHours['days'] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const berlin: BusinessHours = { timeZone: 'Europe/Berlin', days: weekdays, start: '09:00', end: '17:00' };
const newYork: BusinessHours = { timeZone: 'America/New_York', days: weekdays, start: '09:00', end: '17:00' };
const next = (rule: BusinessHours, at: string) => new Date(nextBusinessInstant(rule, Date.parse(at))).toISOString();

describe('business hours', () => {
  it('passes an instant inside the hours through unchanged; opening inclusive, closing exclusive', () => {
    // Wednesday 2025-03-05, Berlin is UTC+1 in winter
    expect(next(berlin, '2025-03-05T08:00:00Z')).toBe('2025-03-05T08:00:00.000Z');
    expect(next(berlin, '2025-03-05T15:59:59.999Z')).toBe('2025-03-05T15:59:59.999Z');
    expect(isWithinBusinessHours(berlin, Date.parse('2025-03-05T07:59:59Z'))).toBe(false);
    expect(next(berlin, '2025-03-05T07:59:59Z')).toBe('2025-03-05T08:00:00.000Z');
    expect(next(berlin, '2025-03-05T16:00:00Z')).toBe('2025-03-06T08:00:00.000Z');
  });

  it('waits across the weekend to Monday morning', () => {
    expect(next(berlin, '2025-03-07T16:30:00Z')).toBe('2025-03-10T08:00:00.000Z'); // Friday 17:30 local
    expect(next(berlin, '2025-03-08T12:00:00Z')).toBe('2025-03-10T08:00:00.000Z'); // Saturday
    expect(next(berlin, '2025-03-09T22:59:59Z')).toBe('2025-03-10T08:00:00.000Z'); // Sunday 23:59 local
    // the local date decides the weekday: Monday 00:30 in Berlin is still Sunday in UTC
    expect(next({ ...berlin, start: '00:00' }, '2025-03-09T23:30:00Z')).toBe('2025-03-09T23:30:00.000Z');
  });

  it('follows daylight saving time: the same local 09:00 is a different UTC hour after the change', () => {
    // New York springs forward on Sunday 2025-03-09: Friday opens at 14:00Z (EST), Monday at 13:00Z (EDT)
    expect(next(newYork, '2025-03-07T13:00:00Z')).toBe('2025-03-07T14:00:00.000Z');
    expect(next(newYork, '2025-03-07T22:00:00Z')).toBe('2025-03-10T13:00:00.000Z');
    // Berlin falls back on Sunday 2025-10-26: Friday opens 07:00Z (CEST), Monday 08:00Z (CET)
    expect(next(berlin, '2025-10-24T06:00:00Z')).toBe('2025-10-24T07:00:00.000Z');
    expect(next(berlin, '2025-10-24T15:00:00Z')).toBe('2025-10-27T08:00:00.000Z');
  });

  it('moves a local time inside the skipped hour forward and takes the first of a repeated hour', () => {
    const sundays = (start: string): BusinessHours => ({
      timeZone: 'America/New_York',
      days: ['sun'],
      start,
      end: '12:00',
    });
    // 02:30 does not exist on 2025-03-09 in New York: it opens at 03:30 EDT (07:30Z)
    expect(next(sundays('02:30'), '2025-03-08T12:00:00Z')).toBe('2025-03-09T07:30:00.000Z');
    // 01:30 happens twice on 2025-11-02: the first is 05:30Z (EDT)
    expect(next(sundays('01:30'), '2025-11-01T12:00:00Z')).toBe('2025-11-02T05:30:00.000Z');
  });

  it('supports single days, 24:00 and zones with half-hour offsets', () => {
    const weekend: BusinessHours = { timeZone: 'Asia/Kolkata', days: ['sat', 'sun'], start: '10:00', end: '24:00' };
    expect(next(weekend, '2025-03-05T00:00:00Z')).toBe('2025-03-08T04:30:00.000Z'); // Saturday 10:00 IST = 04:30Z
    expect(next(weekend, '2025-03-09T18:29:59Z')).toBe('2025-03-09T18:29:59.000Z'); // Sunday 23:59:59 IST
    expect(next(weekend, '2025-03-09T18:30:00Z')).toBe('2025-03-15T04:30:00.000Z');
  });

  it('always returns an instant inside the hours, never before the given one, within a week', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
        fc.constantFrom(berlin, newYork),
        (at, rule) => {
          const result = nextBusinessInstant(rule, at);
          return (
            result >= at &&
            result - at <= 7 * 86_400_000 &&
            isWithinBusinessHours(rule, result) &&
            nextBusinessInstant(rule, result) === result
          );
        },
      ),
    );
  });

  it('names the problem in an unusable rule', () => {
    expect(businessHoursProblem(berlin)).toBeUndefined();
    expect(businessHoursProblem({ ...berlin, timeZone: 'Mars/Olympus_Mons' })).toMatchObject({ field: 'timeZone' });
    expect(businessHoursProblem({ ...berlin, days: [] })).toMatchObject({ field: 'days' });
    expect(businessHoursProblem({ ...berlin, days: ['mon', 'someday' as 'mon'] })).toMatchObject({
      field: 'days',
      message: expect.stringMatching(/someday/),
    });
    expect(businessHoursProblem({ ...berlin, start: '9am' })).toMatchObject({ field: 'start' });
    expect(businessHoursProblem({ ...berlin, start: '22:00', end: '06:00' })).toMatchObject({
      field: 'end',
      message: expect.stringMatching(/midnight/),
    });
  });
});
