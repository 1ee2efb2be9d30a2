import { z } from 'zod';
import { refusalOfUnverified } from './identity-stamp';
import { lazySchema } from './lazy-schema';
import { durationSchema } from './durations';
import { issuesRefusal } from './validation';

/** Input of the durability probe: how long its durable timer sleeps. */
export const durabilityProbeInputSchema = lazySchema(() =>
  z
    .object({
      sleep: durationSchema,
      label: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
);

export type DurabilityProbeInput = z.infer<typeof durabilityProbeInputSchema>;

/** An operator wakes a probe before its timer fires. `actor` is set by the gateway from the token, never by the caller. */
export const wakeUpRequestSchema = lazySchema(() =>
  z
    .object({
      reason: z.string().trim().min(1, 'a reason is required').max(500),
      actor: z.string().trim().min(1).max(200),
    })
    .strict(),
);

export type WakeUpRequest = z.infer<typeof wakeUpRequestSchema>;

export interface ProbeStatus {
  phase: 'sleeping' | 'awake';
  wokenBy?: string;
  wokenEarly: boolean;
  /** Wake-up signals that were refused: who sent them, the reason they gave, and why they were refused. */
  refusedWakeUps: { actor?: string; reason: string; refusal: string }[];
}

export interface DurabilityProbeResult {
  label?: string;
  sleep: string;
  startedAt: string;
  completedAt: string;
  wokenBy?: string;
}

export interface HealthReport {
  database: 'postgres' | 'pglite';
  migrations: number;
  checkedAt: string;
}

/** The probe's state and its one rule: it can be woken once, with a reason, by a named actor. */
export class ProbeState {
  phase: ProbeStatus['phase'] = 'sleeping';
  wokenBy?: string;
  wokenEarly = false;
  readonly refusedWakeUps: ProbeStatus['refusedWakeUps'] = [];

  /** Why `request` cannot wake the probe, or undefined when it can: the Update's validator and the Signal's rule. */
  refusalOfWakeUp(request: unknown): string | undefined {
    const parsed = wakeUpRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    const unverified = refusalOfUnverified(parsed.data.actor);
    if (unverified) return unverified;
    if (this.phase === 'awake') return `probe already woke up${this.wokenBy ? ` (woken by ${this.wokenBy})` : ''}`;
    return undefined;
  }

  wakeUp(request: WakeUpRequest): void {
    this.phase = 'awake';
    this.wokenBy = request.actor;
    this.wokenEarly = true;
  }

  /** A refused wake-up signal, kept for `probeStatus` (the probe has one message: `kind` is always wakeUp). */
  recordRefused(_kind: string, request: unknown, refusal: string): void {
    const { actor, reason } = (request ?? {}) as Partial<WakeUpRequest>;
    this.refusedWakeUps.push({ actor, reason: String(reason ?? ''), refusal });
  }

  view(): ProbeStatus {
    return {
      phase: this.phase,
      wokenBy: this.wokenBy,
      wokenEarly: this.wokenEarly,
      refusedWakeUps: [...this.refusedWakeUps],
    };
  }
}
