import { z } from 'zod';
import { durationSchema } from './durations';

/** Input of the durability probe: how long its durable timer sleeps. */
export const durabilityProbeInputSchema = z
  .object({
    sleep: durationSchema,
    label: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export type DurabilityProbeInput = z.infer<typeof durabilityProbeInputSchema>;

export interface DurabilityProbeResult {
  label?: string;
  sleep: string;
  startedAt: string;
  completedAt: string;
}

export interface HealthReport {
  database: 'postgres' | 'pglite';
  migrations: number;
  checkedAt: string;
}
