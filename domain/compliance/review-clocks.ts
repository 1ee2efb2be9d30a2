import { addBusinessDays, addBusinessMs, businessMsBetween, DAY_MS, type BusinessCalendar } from './business-days';

/**
 * The authority's review SLA: business time used while the plan reviewers hold the
 * application, paused while the applicant revises (used time carries over). The automated
 * check takes no business time worth counting, so the clock runs from the moment a
 * complete, code-compliant version reaches the reviewers. It breaches once.
 */
export class SlaClock {
  usedMs = 0;
  runningSince?: number;
  escalated = false;

  constructor(
    readonly limitBusinessDays: number,
    private readonly calendar: BusinessCalendar,
  ) {}

  get running(): boolean {
    return this.runningSince !== undefined;
  }

  start(now: number): void {
    this.runningSince ??= now;
  }

  pause(now: number): void {
    if (this.runningSince === undefined) return;
    this.usedMs += businessMsBetween(this.runningSince, now, this.calendar);
    this.runningSince = undefined;
  }

  used(now: number): number {
    return (
      this.usedMs + (this.runningSince === undefined ? 0 : businessMsBetween(this.runningSince, now, this.calendar))
    );
  }

  /** When the SLA is breached if the clock keeps running from `now`; undefined while paused. */
  dueAt(now: number): number | undefined {
    if (this.runningSince === undefined) return undefined;
    return addBusinessMs(now, Math.max(0, this.limitBusinessDays * DAY_MS - this.used(now)), this.calendar);
  }
}

/** The applicant's deadline to answer a notice or corrections report, counted from when it was sent. */
export function correctionDeadline(sentAt: number, businessDays: number, calendar: BusinessCalendar): number {
  return addBusinessDays(sentAt, businessDays, calendar);
}
