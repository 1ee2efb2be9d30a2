import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEPLOYMENT_STATUSES } from '../domain/deploy/deploy-types';
import { ANY_ROLE, type Role } from '../domain/roles';
import {
  DEPLOY_ACTION_RULES,
  DEPLOY_ACTIONS,
  DEPLOY_START_ROLES,
  deployListSchema,
  deployNameSchema,
  deployStartSchema,
  deployStatusQuerySchema,
  type DeployOperations,
} from '../client/api/deploy-operations';
import { versionSchema } from '../domain/deploy/versions';
import type { Caller } from '../client/api/operations';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';

const tags = ['deployments'];
const statusSchema = z.enum(DEPLOYMENT_STATUSES);
const startedSchema = z.object({
  workflowId: z.string().describe('deploy/<service>/<environment>/<version>'),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  status: statusSchema,
  existing: z.boolean().describe('this version had a deployment to this environment already: nothing new was started'),
});
/** domain/deploy/deploy-types.ts DeploymentView, loose: fields may be added. */
const viewSchema = z.looseObject({
  workflowId: z.string(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  status: statusSchema,
  reason: z.string().optional().describe('why it ended as it did, or why it waits'),
  requestedBy: z.string(),
  stages: z.array(z.looseObject({ name: z.string(), status: z.string() })),
  approvals: z
    .looseObject({ quorum: z.number(), votes: z.array(z.looseObject({ actor: z.string(), decision: z.string() })) })
    .optional(),
  refused: z.array(z.looseObject({ kind: z.string(), actor: z.string(), reason: z.string() })).optional(),
});
const summarySchema = z.looseObject({
  workflowId: z.string(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  status: z.string(),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
});
const serviceParams = z.object({ service: deployNameSchema });
const environmentParams = serviceParams.extend({ environment: deployNameSchema });
const actionParams = environmentParams.extend({ version: versionSchema, action: z.enum(DEPLOY_ACTIONS) });
/** The action's body is checked per action by the operations (a field of another action is named as unknown). */
const actionBody = z
  .looseObject({
    comment: z.string().optional().describe('approve, reject: a comment for the audit'),
    reason: z.string().optional().describe('abort, rollback, override-window: required'),
  })
  .optional();
const READ_ERRORS = [400, 401, 403, 503] as const;
const roleList = (roles: readonly Role[]) => roles.join(' or ');
const ACTION_ROLES = [...new Set(Object.values(DEPLOY_ACTION_RULES).flatMap((rule) => rule.roles))];

/**
 * /v1/deployments: start a deployment (a CI system with a `deployer` token), read them, and
 * steer them (approve, reject, promote, pause, resume, abort, rollback, override-window).
 * The route hooks check that the caller holds a role that may do any of it (401 before 400);
 * the operations check each action's own roles again for the caller, so the direct CLI and
 * the gateway refuse alike. A refusal of the workflow (self-approval, second vote, nothing
 * to promote) is 409 with its reason.
 */
export function registerDeployRoutes(
  app: FastifyInstance,
  deps: { operations: DeployOperations; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operations } = deps;
  const reader = requireRole(deps.authenticator, ANY_ROLE);
  const caller = (request: { principal?: Caller }): Caller => request.principal!;

  routes.post(
    '/v1/deployments',
    {
      onRequest: requireRole(deps.authenticator, DEPLOY_START_ROLES),
      schema: {
        tags,
        summary: `Start a deployment of a service's version (role ${roleList(DEPLOY_START_ROLES)})`,
        description:
          'The service, environment and version are checked against the config file before anything starts: ' +
          'an unknown one is a 400 naming the field. The id is deploy/<service>/<environment>/<version>: the same ' +
          'again answers the existing deployment (existing: true). With queue: false, a deployment of the same ' +
          'service and environment running or waiting is a 409 instead of waiting in order. Who started it is the ' +
          "token's subject: never one of its approvers.",
        body: deployStartSchema,
        response: {
          202: startedSchema.describe('Started, or the existing deployment of this version and environment'),
          ...errorResponses([...READ_ERRORS, 409], {
            409: 'queue: false and another deployment of the service and environment is running or waiting',
          }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await operations.start(request.body, caller(request))),
  );

  routes.get(
    '/v1/deployments',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: 'Deployments, newest start first (from visibility)',
        querystring: deployListSchema,
        response: { 200: z.object({ deployments: z.array(summarySchema) }), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => ({ deployments: await operations.list(request.query) }),
  );

  routes.get(
    '/v1/deployments/:service',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A service's latest deployment in any environment (or `version`'s): status, stages, approvals",
        params: serviceParams,
        querystring: deployStatusQuerySchema,
        response: { 200: viewSchema, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => operations.status({ service: request.params.service, version: request.query.version }),
  );

  routes.get(
    '/v1/deployments/:service/:environment',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A service's latest deployment to an environment (or `version`'s): status, stages, approvals",
        params: environmentParams,
        querystring: deployStatusQuerySchema,
        response: { 200: viewSchema, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => operations.status({ ...request.params, version: request.query.version }),
  );

  routes.post(
    '/v1/deployments/:service/:environment/:version/:action',
    {
      onRequest: requireRole(deps.authenticator, ACTION_ROLES),
      schema: {
        tags,
        summary: 'Steer a deployment: approve | reject | promote | pause | resume | abort | rollback | override-window',
        description: DEPLOY_ACTIONS.map(
          (action) =>
            `${action} (role ${roleList(DEPLOY_ACTION_RULES[action].roles)}): ${DEPLOY_ACTION_RULES[action].description}`,
        ).join('; '),
        params: actionParams,
        body: actionBody,
        response: {
          200: viewSchema.describe("The deployment's view after the action"),
          ...errorResponses([...READ_ERRORS, 404, 409], {
            403: "The token holds none of the action's roles",
            409: 'Refused by the deployment (the message says why: not a reviewer, self-approval, second vote, not paused, ended...)',
          }),
        },
      },
    },
    async (request) => {
      const { action, ...ref } = request.params;
      return operations.act(ref, action, request.body ?? {}, caller(request));
    },
  );
}
