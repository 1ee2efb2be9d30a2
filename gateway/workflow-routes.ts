import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, ROLES } from '../domain/roles';
import type { Caller, WorkflowOperations } from '../client/api/operations';
import { WORKFLOW_REGISTRY } from '../client/api/registry';
import { listFilterSchema } from '../client/api/visibility-query';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses, instant } from './responses';

const idParams = z.object({ workflowId: z.string().min(1).max(1000) });
const messageParams = idParams.extend({ name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,100}$/, 'a message name') });

/** client/api/operations.ts WorkflowSummary. */
const summarySchema = z.looseObject({
  workflowId: z.string(),
  runId: z.string(),
  type: z.string(),
  status: z.string().describe('RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT'),
  taskQueue: z.string().optional(),
  startTime: instant,
  closeTime: instant.nullable(),
  searchAttributes: z.record(z.string(), z.unknown()),
});
/** client/api/operations.ts WorkflowOutcome: `result` once COMPLETED, `failure` once closed otherwise. */
const outcomeSchema = z.looseObject({
  status: z.string(),
  result: z.unknown().optional().describe("the workflow's result (its type's own shape)"),
  failure: z.string().optional(),
});
/** The view a message or query answers: each workflow type's own (domain/), passed through whole. */
const resultSchema = z.object({ result: z.unknown().describe("the workflow's answer, in its type's own shape") });
/** What every /v1/workflows route may answer besides its own refusals. */
const WORKFLOW_ERRORS = [400, 401, 403, 404, 503] as const;

/** /v1/workflows: start, describe, list, signal, update, query. Roles: checked here and per message in operations. */
export function registerWorkflowRoutes(
  app: FastifyInstance,
  deps: { operations: WorkflowOperations; authenticator: Authenticator },
) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operations } = deps;
  const anyRole = requireRole(deps.authenticator, ANY_ROLE);
  const caller = (request: { principal?: Caller }): Caller => request.principal!;

  routes.get(
    '/v1/workflows',
    {
      onRequest: anyRole,
      schema: {
        tags: ['workflows'],
        summary: 'List workflows (visibility)',
        querystring: listFilterSchema,
        response: {
          200: z.object({ workflows: z.array(summarySchema) }).describe('The matching workflows, at most `limit`'),
          ...errorResponses([400, 401, 403, 503]),
        },
      },
    },
    async (request) => ({ workflows: await operations.list(request.query) }),
  );

  for (const entry of Object.values(WORKFLOW_REGISTRY)) {
    routes.post(
      `/v1/workflows/${entry.type}`,
      {
        onRequest: requireRole(deps.authenticator, entry.startRoles),
        schema: {
          tags: ['workflows'],
          summary: `Start ${entry.type}`,
          description: entry.description,
          body: entry.input,
          response: {
            201: z.looseObject({ workflowId: z.string(), runId: z.string() }).describe('Started'),
            ...errorResponses([400, 401, 403, 409, 422, 503], {
              409: 'A workflow of that id was started already',
              422: 'Refused by a rule of the start (the message says which)',
            }),
          },
        },
      },
      async (request, reply) => reply.code(201).send(await operations.start(entry.type, request.body, caller(request))),
    );
  }

  routes.get(
    '/v1/workflows/:workflowId',
    {
      onRequest: anyRole,
      schema: {
        tags: ['workflows'],
        summary: 'Describe a workflow',
        params: idParams,
        response: { 200: summarySchema.describe('The workflow'), ...errorResponses(WORKFLOW_ERRORS) },
      },
    },
    async (request) => operations.describe(request.params.workflowId),
  );

  routes.get(
    '/v1/workflows/:workflowId/result',
    {
      onRequest: anyRole,
      schema: {
        tags: ['workflows'],
        summary: 'Result of a closed workflow (status RUNNING while open)',
        params: idParams,
        response: { 200: outcomeSchema.describe('RUNNING, or how it closed'), ...errorResponses(WORKFLOW_ERRORS) },
      },
    },
    async (request) => operations.outcome(request.params.workflowId),
  );

  // Message bodies are validated per workflow type by the registry (see client/api/registry.ts);
  // the caller's identity is added from the token, and a body carrying one is refused.
  const messageBody = z.record(z.string(), z.unknown());
  routes.post(
    '/v1/workflows/:workflowId/signals/:name',
    {
      onRequest: requireRole(deps.authenticator, ROLES),
      schema: {
        tags: ['workflows'],
        summary: 'Send a signal',
        params: messageParams,
        body: messageBody,
        response: {
          202: z
            .object({ status: z.literal('accepted') })
            .describe('Delivered to the workflow (which may still refuse it)'),
          ...errorResponses(WORKFLOW_ERRORS),
        },
      },
    },
    async (request, reply) => {
      await operations.signal(request.params.workflowId, request.params.name, request.body, caller(request));
      return reply.code(202).send({ status: 'accepted' });
    },
  );

  routes.post(
    '/v1/workflows/:workflowId/updates/:name',
    {
      onRequest: requireRole(deps.authenticator, ROLES),
      schema: {
        tags: ['workflows'],
        summary: 'Send an update; 422 when the workflow refuses it',
        params: messageParams,
        body: messageBody,
        response: {
          200: resultSchema.describe("Applied: the update's result"),
          ...errorResponses([...WORKFLOW_ERRORS, 422], {
            422: 'The workflow refused the update (the message says why)',
          }),
        },
      },
    },
    async (request) => ({
      result: await operations.update(request.params.workflowId, request.params.name, request.body, caller(request)),
    }),
  );

  routes.get(
    '/v1/workflows/:workflowId/queries/:name',
    {
      onRequest: anyRole,
      schema: {
        tags: ['workflows'],
        summary: 'Run a query',
        params: messageParams,
        response: { 200: resultSchema.describe("The query's answer"), ...errorResponses(WORKFLOW_ERRORS) },
      },
    },
    async (request) => ({
      result: await operations.query(request.params.workflowId, request.params.name, caller(request)),
    }),
  );
}
