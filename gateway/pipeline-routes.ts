import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE } from '../domain/roles';
import { followPipelineLogs } from '../client/api/pipeline-log-follow';
import {
  PIPELINE_WRITE_ROLES,
  pipelineListSchema,
  pipelineLogsSchema,
  pipelineRerunSchema,
  pipelineStartSchema,
  RUN_STATUSES,
  runIdSchema,
  type PipelineOperations,
} from '../client/api/pipeline-operations';
import type { Caller } from '../client/api/operations';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';
import { lastEventIdOf, openEventStream } from './stream/event-stream';

const tags = ['pipelines'];
/** Run ids hold slashes (`pipeline/<repo>/<sha>/<attempt>`): send them URL-encoded, as alert keys and report keys. */
const runParams = z.object({
  run: runIdSchema.describe('the run id, URL-encoded (pipeline%2Facme%2Fsite%2F<sha>%2F1)'),
});
const statusSchema = z.enum(RUN_STATUSES);
/** domain/pipelines/pipeline-types.ts PipelineRunView, loose: fields may be added. */
const runViewSchema = z.looseObject({
  runId: z.string(),
  status: statusSchema,
  repo: z.string(),
  repoKey: z.string(),
  ref: z.string(),
  sha: z.string(),
  attempt: z.number(),
  event: z.string().describe('push, pull_request or manual'),
  jobs: z.array(
    z.looseObject({
      id: z.string(),
      status: z.string().describe('a run status, or skipped'),
      reason: z.string().optional(),
    }),
  ),
  quality: z.looseObject({ verdict: z.enum(['pass', 'fail']) }).optional(),
  error: z.string().optional(),
});
const startedSchema = z.object({
  runId: z.string(),
  status: statusSchema,
  existing: z.boolean().describe('this sha and attempt had a run already: nothing new was started'),
});
const logsQuery = pipelineLogsSchema.extend({
  follow: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .describe('1: server-sent events, new chunks as they are written, then an `end` event'),
});
const logsBody = z.string().meta({
  description:
    'JSON lines, one chunk `{seq, jobId, stepIndex, stream, text, at}` a line; with follow=1 server-sent ' +
    'events: `chunk` (id = seq, data = the chunk), then `end` (data `{status}`) when the run has ended',
  content: {
    'application/x-ndjson': { schema: { type: 'string' } },
    'text/event-stream': { schema: { type: 'string' } },
  },
});
const READ_ERRORS = [400, 401, 403, 503] as const;
const RUN_ERRORS = [...READ_ERRORS, 404] as const;
const UNKNOWN_RUN = { 404: 'No such run (the message names it)' };

/**
 * /v1/pipelines: start, read, cancel and rerun pipeline runs, and read or follow their logs.
 * Writes need `operator` (or admin); reading needs any role. The operations check the roles
 * again for the caller, so the direct CLI and the gateway refuse alike.
 */
export function registerPipelineRoutes(
  app: FastifyInstance,
  deps: { operations: PipelineOperations; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operations } = deps;
  const reader = requireRole(deps.authenticator, ANY_ROLE);
  const writer = requireRole(deps.authenticator, PIPELINE_WRITE_ROLES);
  const caller = (request: { principal?: Caller }): Caller => request.principal!;

  routes.post(
    '/v1/pipelines',
    {
      onRequest: writer,
      schema: {
        tags,
        summary: 'Start a pipeline run of a repository at a ref (attempt 1; the same sha again answers its run)',
        description:
          'The ref is resolved to its sha and the pipeline file at that sha is validated before anything ' +
          'starts: a missing file or invalid YAML is a 400 naming the file and line.',
        body: pipelineStartSchema,
        response: {
          202: startedSchema.describe('Started, or the existing run of this sha (existing: true)'),
          ...errorResponses([...READ_ERRORS], {
            400: 'Bad input: the repository or ref cannot be read, or the pipeline file is missing or invalid (file and line named)',
          }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await operations.start(request.body, caller(request))),
  );

  routes.get(
    '/v1/pipelines',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: 'Recorded pipeline runs, newest first',
        querystring: pipelineListSchema,
        response: { 200: z.object({ runs: z.array(runViewSchema) }), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => ({ runs: await operations.list(request.query) }),
  );

  routes.get(
    '/v1/pipelines/:run',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A run's status: jobs, steps and the quality verdict (live while it runs)",
        params: runParams,
        response: { 200: runViewSchema, ...errorResponses(RUN_ERRORS, UNKNOWN_RUN) },
      },
    },
    async (request) => operations.status(request.params.run),
  );

  routes.post(
    '/v1/pipelines/:run/cancel',
    {
      onRequest: writer,
      schema: {
        tags,
        summary: 'Cancel a running run: its steps get SIGTERM, then SIGKILL after a grace period',
        params: runParams,
        response: {
          202: z.object({ runId: z.string(), status: statusSchema }).describe('Cancellation requested'),
          ...errorResponses([...RUN_ERRORS, 409], { ...UNKNOWN_RUN, 409: 'The run has ended already' }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await operations.cancel(request.params.run, caller(request))),
  );

  routes.post(
    '/v1/pipelines/:run/rerun',
    {
      onRequest: writer,
      schema: {
        tags,
        summary: 'Run the same sha again as the next attempt; `failed: true` reuses the jobs that succeeded',
        params: runParams,
        body: pipelineRerunSchema.optional(),
        response: {
          202: startedSchema.describe('The new attempt'),
          ...errorResponses([...RUN_ERRORS, 409, 422], {
            ...UNKNOWN_RUN,
            409: 'The run has not ended yet',
            422: 'failed: true, but the run has no failed job',
          }),
        },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await operations.rerun(request.params.run, request.body ?? {}, caller(request))),
  );

  routes.get(
    '/v1/pipelines/:run/logs',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A run's log chunks (JSON lines), or with follow=1 a live stream of server-sent events",
        params: runParams,
        querystring: logsQuery,
        response: { 200: logsBody, ...errorResponses(RUN_ERRORS, UNKNOWN_RUN) },
      },
    },
    async (request, reply) => {
      const { run } = request.params;
      const { follow, ...filter } = request.query;
      if (follow === '1' || follow === 'true') return streamLogs(request, reply, operations, run, filter);
      const chunks = await operations.logs(run, filter);
      const lines = chunks.map((chunk) => `${JSON.stringify(chunk)}\n`).join('');
      // A Buffer goes out as is (a string would go through the JSON serializer of the response schema).
      return reply.type('application/x-ndjson; charset=utf-8').send(Buffer.from(lines, 'utf8'));
    },
  );
}

/**
 * Server-sent events until the run ends: `chunk` events (id = seq, so a client reconnecting
 * with Last-Event-ID resumes after it), then one `end` event with the final status. The run is
 * looked up first, so an unknown run is an ordinary 404 rather than an empty stream.
 */
async function streamLogs(
  request: FastifyRequest,
  reply: FastifyReply,
  operations: PipelineOperations,
  runId: string,
  filter: { job?: string; afterSeq?: number },
) {
  const afterSeq = lastEventIdOf(request) ?? filter.afterSeq;
  await operations.status(runId);
  const events = openEventStream(reply);
  try {
    for await (const event of followPipelineLogs(operations, runId, { ...filter, afterSeq, signal: events.signal })) {
      if (event.kind === 'chunk') await events.send({ event: 'chunk', id: event.chunk.seq, data: event.chunk });
      else await events.send({ event: 'end', data: { status: event.status } });
    }
  } catch (err) {
    // The status line is sent: the failure can only be told as an event.
    request.log.warn({ err, runId }, 'pipeline log stream failed');
    await events.send({ event: 'error', data: { message: (err as Error).message } });
  } finally {
    events.end();
  }
}
