import { z } from 'zod';
import { DEPLOYMENT_STATUSES, type DeploymentStatus, type DeploymentView } from '../../domain/deploy/deploy-types';
import { deployNameSchema } from '../../domain/deploy/deploy-config-fields';
import { versionSchema } from '../../domain/deploy/versions';
import type { Role } from '../../domain/roles';
import { refuseUnknownKeys } from '../../domain/validation';
import type { Caller } from './operations';

/*
 * Deployments through the API and the CLI (issue #14): the request shapes both parse, the
 * roles each action needs, and the DeployOperations port with its Temporal adapter
 * (deploy-temporal-operations.ts) and HTTP adapter (deploy-http-operations.ts), so the
 * gateway, the CLI through a gateway and the CLI on Temporal directly refuse alike.
 */

/**
 * Who may do what. Roles only gate the API: the workflow decides the rest (a reviewer must be
 * one of the service's configured reviewers and not who started the deployment).
 * `admin` holds every role (domain/roles.ts hasAnyRole).
 */
export const DEPLOY_START_ROLES: readonly Role[] = ['deployer', 'operator'];
export const DEPLOY_REVIEW_ROLES: readonly Role[] = ['reviewer', 'approver'];
export const DEPLOY_STEER_ROLES: readonly Role[] = ['deployer', 'operator'];
export const DEPLOY_OVERRIDE_ROLES: readonly Role[] = ['admin'];

/**
 * Service and environment names go into visibility queries (`DeployService = '<service>'`)
 * and workflow ids: the config file's own name rule (lower-case letters, digits, "-") keeps
 * both safe whatever a caller sends; a well-formed name the config file lacks is refused
 * naming the field too.
 */
export { deployNameSchema };

/** Free text that PostgreSQL and the audit chain can hold (no NUL). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/** A git commit sha (abbreviated from 7 hex digits, or full SHA-1 / SHA-256). */
export const commitSchema = z
  .string()
  .regex(/^[0-9a-f]{7,64}$/, 'a git commit sha: 7 to 64 lower-case hex digits')
  .describe('the commit the version was built from (for the quality gate)');

/**
 * An artifact for this version instead of the target's template: a local path (relative to
 * the config file's folder, as the template is), a file:// or https:// URL, or an image
 * reference (kubectl). Nothing a shell would read specially: no control characters, no
 * leading `-` (it would read as an option of the target's command).
 */
export const artifactSchema = text(2000)
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')
  .refine((value) => !value.startsWith('-'), 'must not start with "-"')
  .describe("overrides the target's artifact for this version");

/** Fields the server decides: a body naming them is refused naming the field. */
const SERVER_FIELDS = {
  requestedBy: 'who starts a deployment is the authenticated caller',
  actor: 'the actor is the authenticated caller',
  roles: "the roles are the caller's token's",
  whenBusy: 'say queue: false to be refused when another deployment runs',
  config: "the service's configuration is the server's config file",
  configDir: "the service's configuration is the server's config file",
};

/** POST /v1/deployments and `arxflow deploy start`. */
export const deployStartShape = z.object({
  service: deployNameSchema.describe('a service of the config file (deployments.services)'),
  version: versionSchema,
  environment: deployNameSchema
    .optional()
    .describe("one of the service's environments; default: the first the config file names"),
  commit: commitSchema.optional(),
  artifact: artifactSchema.optional(),
  queue: z
    .boolean()
    .default(true)
    .describe(
      'false: refused (409) while another deployment of the service and environment runs, instead of waiting in order',
    ),
});
export const deployStartSchema = deployStartShape
  .catchall(z.unknown())
  .superRefine(refuseUnknownKeys(Object.keys(deployStartShape.shape), SERVER_FIELDS, 'a deployment start'));
export type DeployStartRequest = z.input<typeof deployStartShape>;
export type DeployStartParsed = z.output<typeof deployStartShape>;

/** The actions of POST /v1/deployments/{service}/{environment}/{version}/{action}, as the CLI names them. */
export const DEPLOY_ACTIONS = [
  'approve',
  'reject',
  'promote',
  'pause',
  'resume',
  'abort',
  'rollback',
  'override-window',
] as const;
export type DeployAction = (typeof DEPLOY_ACTIONS)[number];

/** A message body without its identity: the caller's subject and roles are added by the server. */
const messageBody = <T extends z.ZodRawShape>(shape: T, what: string) =>
  z
    .object(shape)
    .catchall(z.unknown())
    .superRefine(refuseUnknownKeys(Object.keys(shape), SERVER_FIELDS, what));

export const decisionBodySchema = messageBody({ comment: text(2000).optional() }, 'a decision');
export const emptyBodySchema = messageBody({}, 'this action');
export const reasonBodySchema = messageBody({ reason: text(500) }, 'this action');

/** Each action: the roles it needs, the body it takes, and what it does (OpenAPI, CLI help). */
export const DEPLOY_ACTION_RULES: Record<
  DeployAction,
  { roles: readonly Role[]; body: z.ZodType; description: string }
> = {
  approve: {
    roles: DEPLOY_REVIEW_ROLES,
    body: decisionBodySchema,
    description: 'a reviewer approves the production step (not who started it; one vote each; N of M)',
  },
  reject: { roles: DEPLOY_REVIEW_ROLES, body: decisionBodySchema, description: 'a reviewer rejects it' },
  promote: {
    roles: DEPLOY_STEER_ROLES,
    body: emptyBodySchema,
    description: 'go on to the next progressive step now (also after an inconclusive analysis)',
  },
  pause: { roles: DEPLOY_STEER_ROLES, body: emptyBodySchema, description: 'hold the progressive steps where they are' },
  resume: { roles: DEPLOY_STEER_ROLES, body: emptyBodySchema, description: 'go on after a pause' },
  abort: {
    roles: DEPLOY_STEER_ROLES,
    body: reasonBodySchema,
    description: 'stop and undo what was changed (ends rolled_back with the reason)',
  },
  rollback: {
    roles: DEPLOY_STEER_ROLES,
    body: reasonBodySchema,
    description: 'undo what was changed at any stage, the watch included (ends rolled_back)',
  },
  'override-window': {
    roles: DEPLOY_OVERRIDE_ROLES,
    body: reasonBodySchema,
    description: 'an admin lets a deployment waiting for its freeze window go on now (audited with the reason)',
  },
};

/** GET /v1/deployments and `arxflow deploy list`. */
export const deployListSchema = z
  .object({
    service: deployNameSchema.optional(),
    environment: deployNameSchema.optional(),
    status: z.enum(DEPLOYMENT_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type DeployListFilter = z.input<typeof deployListSchema>;

/** GET /v1/deployments/{service}[/{environment}]: the latest, or `version`'s. */
export const deployStatusQuerySchema = z.object({ version: versionSchema.optional() }).strict();

/** What a start answers, and `arxflow deploy start --json` prints (the contract's five fields, plus `existing`). */
export interface DeploymentStarted {
  workflowId: string;
  service: string;
  environment: string;
  version: string;
  status: DeploymentStatus;
  /** This version and environment had a deployment already: nothing new was started, this is its status. */
  existing: boolean;
}

/** One deployment as a list shows it (from Temporal's visibility: no query to each workflow). */
export interface DeploymentSummary {
  workflowId: string;
  service: string;
  environment: string;
  version: string;
  status: DeploymentStatus | string;
  startedAt: string;
  closedAt: string | null;
}

/** Which deployment a read or a message means: the latest of a service (in an environment), or one version. */
export interface DeploymentRef {
  service: string;
  environment?: string;
  version?: string;
}

/**
 * What the gateway's /v1/deployments routes and the CLI's `deploy` commands do. Refusals of the
 * workflow (a self-approval, a second vote, nothing to promote) are 409 with its reason; bad
 * input 400 naming the field with nothing started; roles 403.
 */
export interface DeployOperations {
  /** Checks the service, environment and version against the config file, then starts (idempotent per id). */
  start(request: DeployStartRequest, caller: Caller): Promise<DeploymentStarted>;
  /** The deployment's live view (the workflow's status query). 404 when there is none. */
  status(ref: DeploymentRef): Promise<DeploymentView>;
  list(filter: DeployListFilter): Promise<DeploymentSummary[]>;
  /** Sends the action's Update as the caller; answers the view after it. */
  act(
    ref: DeploymentRef & { version: string },
    action: DeployAction,
    body: unknown,
    caller: Caller,
  ): Promise<DeploymentView>;
}
