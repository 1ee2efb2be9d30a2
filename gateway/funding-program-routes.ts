import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { ANY_ROLE } from '../domain/roles';
import { keySegment } from '../domain/funding/gate-input';
import { fundingProgramDefinitionSchema } from '../domain/funding/program';
import type { Store } from '../db/store';
import { payeeBodySchema, StoreFundingSetupOperations } from '../client/api/funding-setup-operations';
import { requireRole } from './auth';
import { errorResponses, noContent } from './responses';
import { type Authenticator } from '../platform/tokens';

const projectParams = z.object({ projectId: keySegment });
const programParams = projectParams.extend({ programId: keySegment });
const payeeParams = projectParams.extend({ payeeId: keySegment });
const programSchema = z.object({
  projectId: z.string(),
  programId: z.string(),
  version: z.number().int(),
  definition: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
  createdAt: z.string(),
});
const payeeSchema = z.object({
  projectId: z.string(),
  payeeId: z.string(),
  name: z.string(),
  registeredBy: z.string(),
  registeredAt: z.string(),
});

/**
 * /v1/funding/projects/:projectId/...: a project's funding programs (versioned) and registered
 * payees. Admins change them (the token subject is the author, audited, and barred from
 * deciding the project's draws for the maker-checker window); every role may read them.
 */
export function registerFundingProgramRoutes(
  app: FastifyInstance,
  deps: { store: Store; temporal: Client; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const setup = new StoreFundingSetupOperations(deps.store, deps.temporal);
  const admins = requireRole(deps.authenticator, ['admin']);
  const anyRole = requireRole(deps.authenticator, ANY_ROLE);
  const tags = ['funding'];

  routes.put(
    '/v1/funding/projects/:projectId/programs/:programId',
    {
      onRequest: admins,
      schema: {
        tags,
        summary: 'Publish the next version of a funding program (approvals, conditions, retainage, clocks, budget)',
        params: programParams,
        querystring: z.object({ makeCurrent: z.enum(['true', 'false']).default('true') }).strict(),
        body: fundingProgramDefinitionSchema,
        response: { 201: programSchema.describe('Published: the new version'), ...errorResponses([400, 401, 403]) },
      },
    },
    async (request, reply) => {
      const { projectId, programId } = request.params;
      const program = await setup.publishProgram(
        projectId,
        programId,
        request.body,
        request.principal!.subject,
        request.query.makeCurrent === 'true',
      );
      return reply.code(201).send(program);
    },
  );

  routes.get(
    '/v1/funding/projects/:projectId/programs',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: "A project's funding programs (latest versions) and which is current",
        params: projectParams,
        response: {
          200: z
            .object({ current: z.string().optional(), programs: z.array(programSchema) })
            .describe('Latest version of each program; `current` names the one new draws use'),
          ...errorResponses([400, 401, 403]),
        },
      },
    },
    async (request) => setup.programs(request.params.projectId),
  );

  routes.get(
    '/v1/funding/projects/:projectId/programs/:programId',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'One funding program, latest version or ?version=N',
        params: programParams,
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }).strict(),
        response: { 200: programSchema.describe('The program version'), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (request) => setup.program(request.params.projectId, request.params.programId, request.query.version),
  );

  routes.get(
    '/v1/funding/projects/:projectId/payees',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: "A project's registered payees",
        params: projectParams,
        response: {
          200: z.object({ payees: z.array(payeeSchema) }).describe('Registered payees'),
          ...errorResponses([400, 401, 403]),
        },
      },
    },
    async (request) => ({ payees: await setup.payees(request.params.projectId) }),
  );

  routes.put(
    '/v1/funding/projects/:projectId/payees/:payeeId',
    {
      onRequest: admins,
      schema: {
        tags,
        summary: 'Register a payee of the project (draws may only pay registered payees)',
        params: payeeParams,
        body: payeeBodySchema,
        response: { 200: payeeSchema.describe('Registered'), ...errorResponses([400, 401, 403]) },
      },
    },
    async (request) =>
      setup.registerPayee(request.params.projectId, request.params.payeeId, request.body, request.principal!.subject),
  );

  routes.delete(
    '/v1/funding/projects/:projectId/payees/:payeeId',
    {
      onRequest: admins,
      schema: {
        tags,
        summary: 'Remove a registered payee (kept as a record)',
        params: payeeParams,
        response: { 204: noContent, ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (request, reply) => {
      await setup.removePayee(request.params.projectId, request.params.payeeId, request.principal!.subject);
      return reply.code(204).send();
    },
  );
}
