import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { ScheduleConfig } from '../domain/schedule-config';
import { ANY_ROLE } from '../domain/roles';
import { listSchedules, scheduleAction, syncSchedules } from '../client/schedules';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses, instant } from './responses';

export interface ScheduleRouteDeps {
  temporal: Client;
  taskQueue: string;
  schedules: ScheduleConfig[];
  authenticator: Authenticator;
}

const idParams = z.object({ scheduleId: z.string().regex(/^[a-z0-9-]{1,100}$/, 'a schedule id') });
const noteBody = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict();
/** client/schedules.ts ScheduleListing. */
const listingSchema = z.looseObject({
  id: z.string(),
  workflowType: z.string().optional(),
  spec: z.string().describe('such as "cron 0 2 * * * (UTC)" or "every 1h (UTC)"'),
  paused: z.boolean(),
  note: z.string().optional(),
  nextRunTimes: z.array(instant),
  recentActions: z.array(
    z.looseObject({ scheduledAt: instant, takenAt: instant, workflowId: z.string(), runId: z.string() }),
  ),
});
/** client/schedules.ts SyncReport: schedule ids by what the sync did. */
const syncReportSchema = z.looseObject({
  created: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.array(z.string()),
  unmanaged: z.array(z.string()).describe('in Temporal but not in the config: reported, never deleted'),
});

/** Schedules: list for everyone, trigger/pause for operators, sync from the config for admins. */
export function registerScheduleRoutes(app: FastifyInstance, deps: ScheduleRouteDeps) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/v1/schedules',
    {
      onRequest: requireRole(deps.authenticator, ANY_ROLE),
      schema: {
        tags: ['schedules'],
        summary: 'List schedules',
        response: {
          200: z.object({ schedules: z.array(listingSchema) }).describe('Every schedule of the namespace'),
          ...errorResponses([401, 403]),
        },
      },
    },
    async () => ({ schedules: await listSchedules(deps.temporal) }),
  );
  routes.post(
    '/v1/schedules/sync',
    {
      onRequest: requireRole(deps.authenticator, ['admin']),
      schema: {
        tags: ['schedules'],
        summary: 'Create or update the configured schedules (idempotent)',
        response: { 200: syncReportSchema.describe('What the sync did'), ...errorResponses([400, 401, 403]) },
      },
    },
    async () => syncSchedules(deps.temporal, deps.schedules, deps.taskQueue),
  );
  for (const verb of ['trigger', 'pause', 'unpause'] as const) {
    routes.post(
      `/v1/schedules/:scheduleId/${verb}`,
      {
        onRequest: requireRole(deps.authenticator, ['operator']),
        schema: {
          tags: ['schedules'],
          summary: `${verb} a schedule`,
          params: idParams,
          body: noteBody,
          response: {
            200: z
              .object({ scheduleId: z.string(), action: z.literal(verb), status: z.literal('done') })
              .describe('Done'),
            ...errorResponses([400, 401, 403, 404]),
          },
        },
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
