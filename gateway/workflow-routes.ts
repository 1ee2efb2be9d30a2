import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, ROLES } from '../domain/roles';
import type { Caller, WorkflowOperations } from '../client/api/operations';
import { WORKFLOW_REGISTRY } from '../client/api/registry';
import { listFilterSchema } from '../client/api/visibility-query';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';

const idParams = z.object({ workflowId: z.string().min(1).max(1000) });
const messageParams = idParams.extend({ name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,100}$/, 'a message name') });

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
      schema: { tags: ['workflows'], summary: 'List workflows (visibility)', querystring: listFilterSchema },
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
        },
      },
      async (request, reply) => reply.code(201).send(await operations.start(entry.type, request.body, caller(request))),
    );
  }

  routes.get(
    '/v1/workflows/:workflowId',
    { onRequest: anyRole, schema: { tags: ['workflows'], summary: 'Describe a workflow', params: idParams } },
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
      schema: { tags: ['workflows'], summary: 'Send a signal', params: messageParams, body: messageBody },
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
      schema: { tags: ['workflows'], summary: 'Run a query', params: messageParams },
    },
    async (request) => ({
      result: await operations.query(request.params.workflowId, request.params.name, caller(request)),
    }),
  );
}
