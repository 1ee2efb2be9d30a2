import { durationToMs } from '../durations';

export type ClockEvent = 'reminder' | 'sla' | 'expire';

/** The clock as plain data, for a run that continues as new: absolute epoch times, so no deadline moves. */
export interface GateClockSnapshot {
  activeMs: number;
  runningSince?: number;
  remindersSent: number;
  escalated: boolean;
}

export interface ClockSettings {
  reminderEvery: string;
  slaAfter: string;
  expireAfter: string;
}

/**
 * The gate's business clock: it counts only the time the gate is waiting on approvers,
 * not while it is on hold (dispute) or waiting on the applicant (changes requested).
 * Times are epoch milliseconds from the workflow's clock, so it stays deterministic.
 */
export class GateClock {
  private activeMs = 0;
  private runningSince: number | undefined;
  remindersSent = 0;
  escalated = false;

  constructor(
    now: number,
    private readonly settings: ClockSettings,
  ) {
    this.runningSince = now;
  }

  snapshot(): GateClockSnapshot {
    return {
      activeMs: this.activeMs,
      ...(this.runningSince === undefined ? {} : { runningSince: this.runningSince }),
      remindersSent: this.remindersSent,
      escalated: this.escalated,
    };
  }

  /** Takes the state of a clock's snapshot: the waiting time counted and since when it runs (epoch ms). */
  restore(snapshot: GateClockSnapshot): void {
    this.activeMs = snapshot.activeMs;
    this.runningSince = snapshot.runningSince;
    this.remindersSent = snapshot.remindersSent;
    this.escalated = snapshot.escalated;
  }

  get paused(): boolean {
    return this.runningSince === undefined;
  }

  pause(now: number): void {
    if (this.runningSince === undefined) return;
    this.activeMs += now - this.runningSince;
    this.runningSince = undefined;
  }

  resume(now: number): void {
    if (this.runningSince === undefined) this.runningSince = now;
  }

  elapsed(now: number): number {
    return this.activeMs + (this.runningSince === undefined ? 0 : now - this.runningSince);
  }

  /** The next clock event and how long until it, in waiting time. */
  next(now: number): { event: ClockEvent; inMs: number } {
    const elapsed = this.elapsed(now);
    const candidates: { event: ClockEvent; at: number }[] = [
      { event: 'expire', at: durationToMs(this.settings.expireAfter) },
      { event: 'reminder', at: (this.remindersSent + 1) * durationToMs(this.settings.reminderEvery) },
    ];
    if (!this.escalated) candidates.push({ event: 'sla', at: durationToMs(this.settings.slaAfter) });
    // Expiry wins a tie: an expired gate neither reminds nor escalates.
    const next = candidates.sort((a, b) => a.at - b.at || (a.event === 'expire' ? -1 : 1))[0]!;
    return { event: next.event, inMs: Math.max(0, next.at - elapsed) };
  }
}
