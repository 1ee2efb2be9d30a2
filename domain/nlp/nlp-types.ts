import { z } from 'zod';
import { lazySchema } from '../lazy-schema';

/**
 * Natural-language commands (issue #16): the shapes both engines (local, OpenAI) answer and
 * every surface (CLI `arxflow nlp`, the Slack slash command, the bench) reads. One zod schema
 * per intent's args: the OpenAI engine's structured output is built from it and its answer is
 * validated by it like any other input; the local engine's answer passes the same check.
 */

/** Every intent, in the order of the list. */
export const INTENTS = [
  'funding.status',
  'funding.approve',
  'funding.reject',
  'alerts.list',
  'alerts.ack',
  'alerts.resolve',
  'deploy.start',
  'deploy.approve',
  'deploy.rollback',
  'deploy.status',
  'compliance.check',
  'compliance.status',
  'sync.log',
  'sync.revert',
  'pipeline.run',
  'pipeline.status',
  'workflows.list',
  'unknown',
] as const;
export type Intent = (typeof INTENTS)[number];

/** Every intent's args, strict: an arg outside the schema is refused, not ignored. Built on first use. */
export const INTENT_ARGS = lazySchema(buildIntentArgs);

function buildIntentArgs() {
  // Normalised entity formats (issue #16, "Entity formats").
  const projectId = z.string().regex(/^[A-Z][A-Z0-9]*-\d+$/, 'a project id such as PROJ-7 (upper case)');
  const milestoneId = z.string().regex(/^M\d+$/, 'a milestone id such as M3');
  /** Integer minor units (cents): "$12,500" is 1250000. */
  const amount = z.number().int().positive();
  const service = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a service name in lower case');
  const version = z.string().regex(/^\d+(\.\d+){0,3}([-+][0-9A-Za-z.-]+)?$/, 'a version such as 1.4.2 (no leading v)');
  const environment = z.enum(['staging', 'production']);
  const planId = z.string().regex(/^PLAN-[A-Z0-9-]+$/, 'a plan id such as PLAN-12 (upper case)');
  const documentId = z.string().regex(/^DOC-[A-Z0-9-]+$/, 'a document id such as DOC-4 (upper case)');
  const commitId = z.string().regex(/^[0-9a-f]{7,64}$/, 'a commit id: 7 or more hex characters');
  const repo = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository as owner/name');
  const ref = z.string().min(1).max(200);
  const alertId = z.string().min(1).max(200);
  const alertStatus = z.enum(['open', 'acknowledged', 'resolved']);
  const severity = z.enum(['critical', 'error', 'warning', 'info']);
  const workflowStatus = z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out']);
  return {
    'funding.status': z.object({ projectId, milestoneId }).strict(),
    'funding.approve': z.object({ projectId, milestoneId, amount: amount.optional() }).strict(),
    'funding.reject': z.object({ projectId, milestoneId }).strict(),
    'alerts.list': z
      .object({ status: alertStatus.optional(), severity: severity.optional(), service: service.optional() })
      .strict(),
    'alerts.ack': z.object({ alertId: alertId.optional(), service: service.optional() }).strict(),
    'alerts.resolve': z.object({ alertId: alertId.optional(), service: service.optional() }).strict(),
    'deploy.start': z.object({ service, version, environment: environment.optional() }).strict(),
    'deploy.approve': z.object({ service, version }).strict(),
    'deploy.rollback': z.object({ service, version: version.optional() }).strict(),
    'deploy.status': z.object({ service }).strict(),
    'compliance.check': z.object({ planId }).strict(),
    'compliance.status': z.object({ planId }).strict(),
    'sync.log': z.object({ documentId }).strict(),
    'sync.revert': z.object({ documentId, commitId: commitId.optional() }).strict(),
    'pipeline.run': z.object({ repo, ref: ref.optional() }).strict(),
    'pipeline.status': z.object({ repo, ref: ref.optional() }).strict(),
    'workflows.list': z.object({ projectId: projectId.optional(), status: workflowStatus.optional() }).strict(),
    unknown: z.object({}).strict(),
  } satisfies Record<Intent, z.ZodType>;
}

export type IntentArgs<I extends Intent = Intent> = z.infer<ReturnType<typeof buildIntentArgs>[I]>;

/**
 * Intents that change money, deployments, incidents or data: they are shown and confirmed
 * before they run (`--yes` in scripts; the Confirm button in Slack).
 */
export const CONFIRMED_INTENTS: readonly Intent[] = [
  'funding.approve',
  'funding.reject',
  'alerts.ack',
  'alerts.resolve',
  'deploy.start',
  'deploy.approve',
  'deploy.rollback',
  'sync.revert',
];

export const ENGINES = ['local', 'openai'] as const;
export type Engine = (typeof ENGINES)[number];

/** What `arxflow nlp translate --json` prints (one per line with --stdin). Contract: keep these fields. */
export interface Translation {
  intent: Intent;
  args: Record<string, unknown>;
  /** The exact arxflow command line that would run; null for `unknown`. */
  command: string | null;
  /** 0..1; below the engine's threshold the answer is `unknown`. */
  confidence: number;
  needsConfirmation: boolean;
  engine: Engine;
  /** What the running service knows of the objects named (absent when it is not reachable). */
  lookup?: Record<string, unknown>;
  warnings?: string[];
}

/** An intent and its args as an engine proposes them, before they are checked. */
export const proposalSchema = lazySchema(() =>
  z.object({ intent: z.enum(INTENTS), args: z.record(z.string(), z.unknown()) }).strict(),
);
export type Proposal = z.infer<typeof proposalSchema>;
