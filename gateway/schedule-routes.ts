import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { ScheduleConfig } from '../domain/schedule-config';
import { ANY_ROLE } from '../domain/roles';
import { listSchedules, scheduleAction, syncSchedules } from '../client/schedules';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';

export interface ScheduleRouteDeps {
  temporal: Client;
  taskQueue: string;
  schedules: ScheduleConfig[];
  authenticator: Authenticator;
}

const idParams = z.object({ scheduleId: z.string().regex(/^[a-z0-9-]{1,100}$/, 'a schedule id') });
const noteBody = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict();

/** Schedules: list for everyone, trigger/pause for operators, sync from the config for admins. */
export function registerScheduleRoutes(app: FastifyInstance, deps: ScheduleRouteDeps) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/schedules',
    {
      onRequest: requireRole(deps.authenticator, ANY_ROLE),
      schema: { tags: ['schedules'], summary: 'List schedules' },
    },
    async () => ({ schedules: await listSchedules(deps.temporal) }),
  );
  routes.post(
    '/v1/schedules/sync',
    {
      onRequest: requireRole(deps.authenticator, ['admin']),
      schema: { tags: ['schedules'], summary: 'Create or update the configured schedules (idempotent)' },
    },
    async () => syncSchedules(deps.temporal, deps.schedules, deps.taskQueue),
  );
  for (const verb of ['trigger', 'pause', 'unpause'] as const) {
    routes.post(
      `/v1/schedules/:scheduleId/${verb}`,
      {
        onRequest: requireRole(deps.authenticator, ['operator']),
        schema: { tags: ['schedules'], summary: `${verb} a schedule`, params: idParams, body: noteBody },
      },
      async (request) => {
        await scheduleAction(
          deps.temporal,
          verb,
          request.params.scheduleId,
          request.body.note ?? `${verb} by ${request.principal!.subject}`,
        );
        return { scheduleId: request.params.scheduleId, action: verb, status: 'done' };
      },
    );
  }
}
