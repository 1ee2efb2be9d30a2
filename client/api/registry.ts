import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { durabilityProbeInputSchema, wakeUpRequestSchema } from '../../domain/probes';
import type { Role } from '../../domain/roles';

/** A message the API may send to a workflow. `identity`: the caller's token subject is added as `actor`. */
export interface MessageEntry {
  body: z.ZodType;
  roles: readonly Role[];
  identity: boolean;
  description: string;
}

/** What the API may do with one workflow type; the workflow's own validators still decide. */
export interface WorkflowEntry {
  type: string;
  description: string;
  input: z.ZodType;
  /** The business key: starts are idempotent per key. */
  workflowId: (input: never) => string;
  startRoles: readonly Role[];
  signals: Record<string, MessageEntry>;
  updates: Record<string, MessageEntry>;
  queries: Record<string, { roles: readonly Role[]; description: string }>;
}

const wakeUpBody = wakeUpRequestSchema.omit({ actor: true }).strict();

export const WORKFLOW_REGISTRY: Record<string, WorkflowEntry> = {
  durabilityProbe: {
    type: 'durabilityProbe',
    description: 'A canary that sleeps on a durable timer and must complete across restarts.',
    input: durabilityProbeInputSchema,
    workflowId: (input: z.infer<typeof durabilityProbeInputSchema>) => `durability-probe/${input.label ?? randomUUID()}`,
    startRoles: ['operator'],
    signals: { wakeUp: { body: wakeUpBody, roles: ['operator'], identity: true, description: 'Wake the probe early (Web UI path).' } },
    updates: { wakeUp: { body: wakeUpBody, roles: ['operator'], identity: true, description: 'Wake the probe early; refused once awake.' } },
    queries: { probeStatus: { roles: ['viewer', 'operator', 'approver'], description: 'Phase, who woke it, refused wake-ups.' } },
  },
};

export function registryEntry(type: string): WorkflowEntry | undefined {
  return Object.hasOwn(WORKFLOW_REGISTRY, type) ? WORKFLOW_REGISTRY[type] : undefined;
}
