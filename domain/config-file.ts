import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { schedulesConfigSchema } from './schedule-config';

/**
 * arxflow.config.yaml (ARXFLOW_CONFIG): the declared schedules and the webhook sources.
 * The webhooks section is parsed by its own schema (domain/webhook-config.ts) when the
 * gateway loads it, together with the secrets from the environment.
 */
export const configFileSchema = lazySchema(() => z
  .object({
    schedules: schedulesConfigSchema.default([]),
    webhooks: z.unknown().optional(),
  })
  .strict());

export type ConfigFile = z.output<typeof configFileSchema>;
