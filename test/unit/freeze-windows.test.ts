import type { WindowsConfig } from '../../domain/deploy/deploy-types';
import { SEARCH_DAYS, windowState } from '../../domain/deploy/freeze-windows';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const berlin = (windows: Partial<WindowsConfig>): WindowsConfig => ({
  timezone: 'Europe/Berlin',
  allowed: [],
  blackouts: [],
  ...windows,
});
const weekend = berlin({ blackouts: [{ from: 'fri 16:00', to: 'mon 08:00' }] });

describe('freeze windows: a weekend blackout in Europe/Berlin', () => {
  it('opens at 08:00 local on Monday after the spring DST change (CEST, UTC+2)', () => {
    // Friday 2026-03-27 17:00 CET; clocks go forward on Sunday 2026-03-29.
    expect(windowState(weekend, utc('2026-03-27T16:00:00'))).toEqual({
      open: false,
      opensAt: utc('2026-03-30T06:00:00'),
      reason: 'blackout fri 16:00..mon 08:00 Europe/Berlin',
    });
    expect(windowState(weekend, utc('2026-03-30T05:59:59.999')).open).toBe(false);
    expect(windowState(weekend, utc('2026-03-30T06:00:00')).open).toBe(true);
  });

  it('opens at 08:00 local on Monday after the autumn DST change (CET, UTC+1)', () => {
    // Friday 2026-10-23 17:00 CEST; clocks go back on Sunday 2026-10-25.
    const state = windowState(weekend, utc('2026-10-23T15:00:00'));
    expect(iso(state.opensAt)).toBe('2026-10-26T07:00:00.000Z');
    expect(state.open).toBe(false);
    expect(windowState(weekend, utc('2026-10-26T06:59:00')).open).toBe(false);
    expect(windowState(weekend, utc('2026-10-26T07:00:00')).open).toBe(true);
  });

  it('starts at 16:00 local on Friday, in both offsets, and says when an open window closes', () => {
    expect(windowState(weekend, utc('2026-03-27T14:59:00'))).toEqual({
      open: true,
      closesAt: utc('2026-03-27T15:00:00'),
    });
    // 15:00 CEST: open for one more hour; at 16:00 CEST (14:00Z) closed.
    expect(windowState(weekend, utc('2026-10-23T13:00:00'))).toEqual({
      open: true,
      closesAt: utc('2026-10-23T14:00:00'),
    });
    expect(windowState(weekend, utc('2026-10-23T14:00:00')).open).toBe(false);
  });

  it('is closed inside the wrapped part of the week (Sunday in the skipped hour, Monday morning)', () => {
    // 03:30 CEST on the day the clocks skip 02:00..03:00.
    expect(windowState(weekend, utc('2026-03-29T01:30:00')).opensAt).toBe(utc('2026-03-30T06:00:00'));
    // Monday 07:00 CET: still the weekend's blackout, opening within the hour.
    expect(windowState(weekend, utc('2026-10-26T06:00:00')).opensAt).toBe(utc('2026-10-26T07:00:00'));
  });

  it('reads a local time in the skipped hour as after the gap, and a repeated one as its first occurrence', () => {
    const endsInGap = berlin({ blackouts: [{ from: 'sat 12:00', to: 'sun 02:30' }] });
    // 2026-03-29 02:30 does not exist in Berlin: 03:30 CEST = 01:30Z.
    expect(windowState(endsInGap, utc('2026-03-28T12:00:00')).opensAt).toBe(utc('2026-03-29T01:30:00'));
    // 2026-10-25 02:30 happens twice: the first, 02:30 CEST = 00:30Z.
    expect(windowState(endsInGap, utc('2026-10-24T12:00:00')).opensAt).toBe(utc('2026-10-25T00:30:00'));
  });
});

describe('freeze windows: allowed ranges', () => {
  const nightly = { timezone: 'UTC', allowed: [{ from: 'sun 22:00', to: 'mon 02:00' }], blackouts: [] };

  it('waits for an allowed range that wraps the week', () => {
    // Wednesday 2026-06-10 12:00 UTC: next Sunday 22:00.
    expect(windowState(nightly, utc('2026-06-10T12:00:00'))).toEqual({
      open: false,
      opensAt: utc('2026-06-14T22:00:00'),
      reason: 'outside the allowed windows (sun 22:00..mon 02:00) UTC',
    });
  });

  it('is open across the week boundary and closes at its end', () => {
    expect(windowState(nightly, utc('2026-06-14T23:30:00'))).toEqual({
      open: true,
      closesAt: utc('2026-06-15T02:00:00'),
    });
    expect(windowState(nightly, utc('2026-06-15T01:59:00')).open).toBe(true);
    expect(windowState(nightly, utc('2026-06-15T02:00:00')).opensAt).toBe(utc('2026-06-21T22:00:00'));
  });

  it('skips an allowed range that a blackout covers', () => {
    const weekdays = berlin({
      allowed: [{ from: 'mon 09:00', to: 'fri 17:00' }],
      blackouts: [{ from: '2026-12-21', to: '2026-12-23' }],
    });
    // Monday 2026-12-21 10:00 CET: blacked out until Thursday 00:00, which is inside the allowed range.
    expect(windowState(weekdays, utc('2026-12-21T09:00:00'))).toEqual({
      open: false,
      opensAt: utc('2026-12-23T23:00:00'),
      reason: 'blackout 2026-12-21..2026-12-23 Europe/Berlin',
    });
  });
});

describe('freeze windows: date ranges', () => {
  const holidays = berlin({ blackouts: [{ from: '2026-12-20', to: '2027-01-04' }] });

  it('covers whole local days over the new year, the last day included', () => {
    expect(windowState(holidays, utc('2026-12-31T12:00:00'))).toEqual({
      open: false,
      opensAt: utc('2027-01-04T23:00:00'),
      reason: 'blackout 2026-12-20..2027-01-04 Europe/Berlin',
    });
    expect(windowState(holidays, utc('2026-12-19T22:59:00'))).toEqual({
      open: true,
      closesAt: utc('2026-12-19T23:00:00'),
    });
    expect(windowState(holidays, utc('2027-01-04T22:59:00')).open).toBe(false);
    expect(windowState(holidays, utc('2027-01-04T23:00:00'))).toEqual({ open: true });
  });

  it('chains a date blackout into a weekly one', () => {
    const both = berlin({
      blackouts: [
        { from: '2026-12-20', to: '2027-01-03' },
        { from: 'fri 16:00', to: 'mon 08:00' },
      ],
    });
    // The dates end at Monday 2027-01-04 00:00, inside the weekend blackout: open at 08:00 CET.
    expect(windowState(both, utc('2026-12-30T10:00:00')).opensAt).toBe(utc('2027-01-04T07:00:00'));
  });
});

describe('freeze windows: edge cases', () => {
  it('is always open without windows', () => {
    expect(windowState(undefined, 0)).toEqual({ open: true });
    expect(windowState(berlin({}), utc('2026-03-27T16:00:00'))).toEqual({ open: true });
  });

  it('says so when a window never opens', () => {
    const past = berlin({ allowed: [{ from: '2020-01-01', to: '2020-01-02' }] });
    expect(windowState(past, utc('2026-06-01T00:00:00'))).toEqual({
      open: false,
      reason: `outside the allowed windows (2020-01-01..2020-01-02) Europe/Berlin; no open time within ${SEARCH_DAYS} days`,
    });
    const covered = berlin({
      allowed: [{ from: 'mon 09:00', to: 'mon 10:00' }],
      blackouts: [{ from: 'mon 00:00', to: 'tue 00:00' }],
    });
    const state = windowState(covered, utc('2026-06-01T08:00:00'));
    expect(state.open).toBe(false);
    expect(state.opensAt).toBeUndefined();
    expect(state.reason).toMatch(/^blackout mon 00:00..tue 00:00 Europe\/Berlin; no open time within 400 days$/);
  });

  it('finds an allowed date range months ahead', () => {
    const oneDay = { timezone: 'America/New_York', allowed: [{ from: '2027-03-14', to: '2027-03-14' }], blackouts: [] };
    // 2027-03-14 is the US spring-forward day: 00:00 EST = 05:00Z.
    expect(windowState(oneDay, utc('2026-07-01T00:00:00')).opensAt).toBe(utc('2027-03-14T05:00:00'));
    // The day is 23 hours long: it ends at 00:00 EDT = 04:00Z the next day.
    expect(windowState(oneDay, utc('2027-03-14T12:00:00')).closesAt).toBe(utc('2027-03-15T04:00:00'));
  });

  it('is deterministic: the same instant gives the same answer', () => {
    const at = utc('2026-03-28T10:00:00');
    expect(windowState(weekend, at)).toEqual(windowState(weekend, at));
  });
});
