import {
  addBusinessDays,
  addBusinessMs,
  businessMsBetween,
  DAY_MS,
  isBusinessDay,
} from '../../domain/compliance/business-days';
import { SlaClock } from '../../domain/compliance/review-clocks';
import { reviewPolicyFor } from '../../domain/compliance/review-policy';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe('business days', () => {
  it('skips the weekend: Friday 15:00 plus 1 business day is Monday 15:00, plus 10 is Friday two weeks on', () => {
    expect(new Date(addBusinessDays(at('2026-11-27T15:00:00Z'), 1)).toISOString()).toBe('2026-11-30T15:00:00.000Z');
    expect(new Date(addBusinessDays(at('2026-11-27T15:00:00Z'), 10)).toISOString()).toBe('2026-12-11T15:00:00.000Z');
  });

  it('starts a clock begun on a weekend at Monday 00:00', () => {
    expect(new Date(addBusinessDays(at('2026-11-28T10:00:00Z'), 1)).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it("skips a jurisdiction's holidays", () => {
    const calendar = { holidays: ['2026-12-25'] };
    expect(isBusinessDay(at('2026-12-25T12:00:00Z'), calendar)).toBe(false);
    expect(isBusinessDay(at('2026-12-24T12:00:00Z'), calendar)).toBe(true);
    // Thursday 24th 12:00 + 1 business day: Friday 25th is a holiday, so Monday 28th 12:00.
    expect(new Date(addBusinessDays(at('2026-12-24T12:00:00Z'), 1, calendar)).toISOString()).toBe(
      '2026-12-28T12:00:00.000Z',
    );
  });

  it('counts only business time between two instants, and adding it back lands on the same instant', () => {
    const from = at('2026-11-27T15:00:00Z');
    const to = at('2026-12-01T09:00:00Z');
    expect(businessMsBetween(from, to)).toBe(9 * HOUR + 24 * HOUR + 9 * HOUR);
    expect(addBusinessMs(from, businessMsBetween(from, to))).toBe(to);
    expect(businessMsBetween(to, from)).toBe(0);
    expect(businessMsBetween(at('2026-11-28T00:00:00Z'), at('2026-11-30T00:00:00Z'))).toBe(0);
  });

  it('refuses negative business time', () => {
    expect(() => addBusinessMs(0, -1)).toThrow(RangeError);
  });
});

describe('SLA clock', () => {
  it('pauses while the applicant holds the application and resumes with the time left', () => {
    const clock = new SlaClock(2, {});
    const friday = at('2026-11-27T15:00:00Z');
    clock.start(friday);
    expect(new Date(clock.dueAt(friday)!).toISOString()).toBe('2026-12-01T15:00:00.000Z');
    clock.pause(friday + 3 * DAY_MS); // Monday 15:00: 24 h used
    expect(clock.used(friday + 10 * DAY_MS)).toBe(24 * HOUR);
    expect(clock.dueAt(friday + 10 * DAY_MS)).toBeUndefined();
    clock.start(friday + 6 * DAY_MS); // Thursday 15:00
    expect(new Date(clock.dueAt(friday + 6 * DAY_MS)!).toISOString()).toBe('2026-12-04T15:00:00.000Z');
  });
});

describe('review policy', () => {
  it("takes the jurisdiction's values, then the application's overrides", () => {
    expect(reviewPolicyFor('EXAMPLE-CITY').requiredDocuments).toContain('life-safety-plan');
    expect(reviewPolicyFor('EXAMPLE-CITY', { reviewSlaBusinessDays: 3, holidays: undefined })).toMatchObject({
      reviewSlaBusinessDays: 3,
      holidays: ['2026-12-25', '2027-01-01'],
    });
    expect(reviewPolicyFor('UNKNOWN')).toMatchObject({ reviewSlaBusinessDays: 15, correctionBusinessDays: 10 });
  });
});
