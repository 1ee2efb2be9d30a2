import { refusalOfUnverified } from './identity-stamp';
import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { durationSchema } from './durations';

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
  refusedWakeUps: { actor?: string; reason: string }[];
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

  /** Why `request` cannot wake the probe, or undefined when it can. */
  refusalOf(request: unknown): string | undefined {
    const parsed = wakeUpRequestSchema.safeParse(request);
    if (!parsed.success)
      return parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
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

  recordRefusal(request: unknown): void {
    const { actor, reason } = (request ?? {}) as Partial<WakeUpRequest>;
    this.refusedWakeUps.push({ actor, reason: String(reason ?? '') });
  }

  status(): ProbeStatus {
    return {
      phase: this.phase,
      wokenBy: this.wokenBy,
      wokenEarly: this.wokenEarly,
      refusedWakeUps: [...this.refusedWakeUps],
    };
  }
}
