import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import type { BlobStore } from '../../db/blob-store';
import { alertEscalationEntry } from './alert-registry-entry';
import { complianceReviewEntry } from './compliance-registry-entry';
import { deploymentEntry } from './deploy-registry-entry';
import type { DeploymentsSource } from './deploy-starts';
import { durabilityProbeInputSchema, wakeUpRequestSchema } from '../../domain/probes';
import type { Role } from '../../domain/roles';
import type { ConfigFile } from '../../domain/config-file';
import { fundingGateId } from '../../domain/funding/gate-input';
import { evidenceBodySchema } from '../../domain/funding/condition-schemas';
import { drawRequestSchema, type DrawRequest } from '../../domain/funding/program';
import { prepareDraw, type DrawContext } from './funding-draws';
import type { Caller } from './operations';
import { depositInputSchema, depositWorkflowId } from '../../domain/funding/deposit';
import {
  holdRequestSchema,
  resubmitRequestSchema,
  voteRequestSchema,
  waiveRequestSchema,
} from '../../domain/funding/gate';
import { taskEventSchema, taskEventWorkflowId } from '../../domain/task-triggers';
import { lazySchema } from '../../domain/lazy-schema';
import { refuseUnknownKeys } from '../../domain/validation';
import type { FundingDepositInput } from '../../domain/funding/deposit';

/**
 * A message the API may send to a workflow. `identity`: the caller's token subject is
 * added as `actor` (and with `withRoles`, the token's roles as `roles`); bodies carrying
 * either are refused.
 */
export interface MessageEntry {
  body: z.ZodType;
  roles: readonly Role[];
  identity: boolean;
  withRoles?: boolean;
  description: string;
}

/** The config file's sections a start may read (compliance review teams, escalation policies). */
export type StartConfig = Pick<ConfigFile, 'compliance' | 'escalation'>;

/** Server-side sources a start may read (the store's funding programs, settings, the config file). */
export interface StartContext {
  draws?: DrawContext;
  /** Read when a start needs it; unset: no review jurisdictions and the default escalation policy. */
  config?: () => StartConfig;
  /** The config file's deployments section and its folder; unset: a `deployment` start is refused here (use /v1/deployments). */
  deployments?: () => DeploymentsSource;
  /** Content-addressed payloads: a review's plan is stored there and goes by reference; unset: inline. */
  blobs?: () => Promise<BlobStore>;
}

/** What the API may do with one workflow type; the workflow's own validators still decide. */
export interface WorkflowEntry {
  type: string;
  description: string;
  /** The request body as the caller sends it. */
  input: z.ZodType;
  /**
   * Builds the workflow input from the validated body, the caller and server-side state
   * (what the caller may not choose); unset: the body is the input.
   */
  prepare?: (body: never, caller: Caller, context: StartContext) => Promise<unknown>;
  /** The business key: starts are idempotent per key. */
  workflowId: (input: never) => string;
  /**
   * Whether a key whose workflow has closed may start again. Temporal's default allows it;
   * REJECT_DUPLICATE for a key that names one event, which must never run twice.
   */
  idReusePolicy?: WorkflowIdReusePolicy;
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
    workflowId: (input: z.infer<typeof durabilityProbeInputSchema>) =>
      `durability-probe/${input.label ?? randomUUID()}`,
    startRoles: ['operator'],
    signals: {
      wakeUp: {
        body: wakeUpBody,
        roles: ['operator'],
        identity: true,
        description: 'Wake the probe early (Web UI path).',
      },
    },
    updates: {
      wakeUp: {
        body: wakeUpBody,
        roles: ['operator'],
        identity: true,
        description: 'Wake the probe early; refused once awake.',
      },
    },
    queries: {
      probeStatus: { roles: ['viewer', 'operator', 'approver'], description: 'Phase, who woke it, refused wake-ups.' },
    },
  },
};

const withoutIdentity = <T extends z.ZodObject>(schema: T) =>
  schema.omit({ actor: true, roles: true } as never).strict();
/**
 * Evidence: its shape here (a malformed body is bad input, 400 / exit 2, nothing sent), and no
 * identity; what the gate's condition book refuses (not required, already in, closed) is 422.
 */
const evidenceBody = z
  .object({ kind: z.string().min(1) })
  .catchall(z.unknown())
  .superRefine((body, ctx) => {
    for (const key of ['actor', 'at', 'roles'])
      if (key in body) ctx.addIssue({ code: 'custom', path: [key], message: 'is set by arxflow, not by the caller' });
  })
  .pipe(evidenceBodySchema);
const decideBody = withoutIdentity(voteRequestSchema);
const reasonBody = withoutIdentity(holdRequestSchema);
const fundingMessage = (
  body: z.ZodType,
  roles: readonly Role[],
  description: string,
  withRoles = true,
): MessageEntry => ({ body, roles, identity: true, withRoles, description });

WORKFLOW_REGISTRY.fundingGate = {
  type: 'fundingGate',
  description:
    "A construction draw: evidence, staged approvals, clocks, exactly-once disbursement, reversal. The requester is the caller; approvals, conditions, retainage and clocks come from the project's funding program; the payee must be registered.",
  input: drawRequestSchema,
  prepare: (body: DrawRequest, caller, context) => {
    if (!context.draws) throw new Error('starting a draw needs the store (funding programs and payees)');
    return prepareDraw(body, caller, context.draws);
  },
  workflowId: (input: { projectId: string; milestoneId: string }) => fundingGateId(input),
  startRoles: ['operator'],
  updates: {
    decide: fundingMessage(
      decideBody,
      ['approver'],
      'approve, reject (reasonCode) or request changes; 422 on four-eyes, duplicate, not an approver, closed',
    ),
    submitEvidence: fundingMessage(
      evidenceBody,
      ['operator', 'approver'],
      'evidence for a condition (document, lien_waiver, inspection, ...)',
      false,
    ),
    waiveCondition: fundingMessage(
      withoutIdentity(waiveRequestSchema),
      ['approver'],
      'waive a condition with a comment',
    ),
    resubmit: fundingMessage(
      withoutIdentity(resubmitRequestSchema),
      ['operator'],
      'the requester resubmits after changes were requested',
    ),
    hold: fundingMessage(
      reasonBody,
      ['operator', 'approver'],
      'freeze the gate and its clocks (dispute); 422 when closed or held',
    ),
    resume: fundingMessage(reasonBody, ['operator', 'approver'], 'lift a hold; 422 when not on hold'),
    reverse: fundingMessage(reasonBody, ['approver'], 'reverse a disbursed release (compensating ledger entry)'),
  },
  // The Web UI path of every update: the same rule, a refusal is recorded in status instead of returned.
  signals: {
    decide: fundingMessage(decideBody, ['approver'], 'Web UI path of decide: refusals are recorded, not returned'),
    submitEvidence: fundingMessage(evidenceBody, ['operator', 'approver'], 'Web UI path of submitEvidence', false),
    waiveCondition: fundingMessage(withoutIdentity(waiveRequestSchema), ['approver'], 'Web UI path of waiveCondition'),
    resubmit: fundingMessage(withoutIdentity(resubmitRequestSchema), ['operator'], 'Web UI path of resubmit'),
    hold: fundingMessage(reasonBody, ['operator', 'approver'], 'Web UI path of hold'),
    resume: fundingMessage(reasonBody, ['operator', 'approver'], 'Web UI path of resume'),
    reverse: fundingMessage(reasonBody, ['approver'], 'Web UI path of reverse'),
  },
  queries: {
    status: { roles: ['viewer', 'operator', 'approver'], description: 'conditions, votes, clocks, amounts, timeline' },
  },
};

/** A deposit as an admin posts it; who posted it is the caller (`postedBy`, audited as the actor). */
const depositBody = lazySchema(() =>
  depositInputSchema
    .catchall(z.unknown())
    .superRefine(
      refuseUnknownKeys(
        Object.keys(depositInputSchema.shape),
        { postedBy: 'the depositor is the authenticated caller', actor: 'the depositor is the authenticated caller' },
        'a deposit',
      ),
    ),
);

WORKFLOW_REGISTRY.fundingDeposit = {
  type: 'fundingDeposit',
  description:
    "A lender's deposit into a project's funding account, once per reference. The audit records the caller as who posted it.",
  input: depositBody,
  prepare: async (body: z.output<typeof depositInputSchema>, caller): Promise<FundingDepositInput> => ({
    ...body,
    postedBy: caller.subject,
  }),
  workflowId: (input: z.infer<typeof depositInputSchema>) => depositWorkflowId(input),
  startRoles: ['admin'],
  signals: {},
  updates: {},
  queries: {},
};

WORKFLOW_REGISTRY.taskEvent = {
  type: 'taskEvent',
  description:
    'A task tracker event: runs the actions of the stored triggers it matches. Once per eventId: a redelivery is 409.',
  input: taskEventSchema,
  workflowId: (input: z.infer<typeof taskEventSchema>) => taskEventWorkflowId(input),
  // Refused even after the first run completed: a redelivered event must not run its actions again.
  idReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  startRoles: ['operator'],
  signals: {},
  updates: {},
  queries: {},
};

WORKFLOW_REGISTRY.alertEscalation = alertEscalationEntry;
WORKFLOW_REGISTRY.complianceReview = complianceReviewEntry;
WORKFLOW_REGISTRY.deployment = deploymentEntry;

export function registryEntry(type: string): WorkflowEntry | undefined {
  return Object.hasOwn(WORKFLOW_REGISTRY, type) ? WORKFLOW_REGISTRY[type] : undefined;
}
