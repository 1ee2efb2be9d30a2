import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ComplianceReports, type StoredReport } from '../db/compliance-reports';
import type { Store } from '../db/store';
import { ANY_ROLE } from '../domain/roles';
import { notFound } from '../client/api/errors';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';

const tags = ['compliance'];
/** PostgreSQL text cannot hold U+0000: refused here as bad input rather than failing in the store. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');
const planParams = z.object({ planId: text(200) });
/** Report keys hold slashes (`compliance/<planId>/<runId>/cycle-<n>/<kind>.<format>`): send them URL-encoded. */
const keyParams = z.object({ key: text(1000) });
const listQuery = z
  .object({
    kind: z.enum(['corrections', 'final', 'jurisdiction-export']).optional(),
    format: z.enum(['html', 'pdf', 'json', 'csv']).optional(),
  })
  .strict();
/** db/compliance-reports.ts StoredReport without its body. */
const listingSchema = z.looseObject({
  key: z.string(),
  workflowId: z.string(),
  planId: z.string(),
  cycle: z.number(),
  kind: z.string().describe('corrections, final or jurisdiction-export'),
  format: z.string().describe('html, pdf, json or csv'),
  contentType: z.string(),
});
/**
 * A stored body is sent as is with its own content type (a Buffer never goes through a response
 * schema). `content` is OpenAPI's media-type map, which @fastify/swagger takes as given for
 * this response only; `produces` would also relabel the JSON error responses.
 */
const reportBody = z.string().meta({
  description: 'The report as stored, in the content type of its format',
  content: {
    'text/html': { schema: { type: 'string' } },
    'application/pdf': { schema: { type: 'string', format: 'binary' } },
    'application/json': { schema: { type: 'object', description: 'the report model' } },
    'text/csv': { schema: { type: 'string', description: 'violations, RFC 4180' } },
  },
});
/** domain/compliance/permit-export.ts permitRecord (docs/jurisdiction-export.md); loose: fields may be added. */
const permitRecordSchema = z.looseObject({
  recordType: z.string().describe('arxflow.permit-review/1'),
  permitNum: z.string(),
  planId: z.string(),
  jurisdiction: z.string(),
  statusCurrent: z.string(),
});
const READ_ERRORS = [400, 401, 403] as const;

/**
 * The reports and jurisdiction exports complianceReview stored (table compliance_reports),
 * read through the service that holds the store, so nobody has to stop it to read one (the
 * PGlite store is one process's). Read-only, for every role: a report says what the review
 * already shows to viewers.
 */
export function registerComplianceReportRoutes(
  app: FastifyInstance,
  deps: { store: Store; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireRole(deps.authenticator, ANY_ROLE);
  const reports = new ComplianceReports(deps.store.db);

  routes.get(
    '/v1/compliance/plans/:planId/reports',
    {
      onRequest,
      schema: {
        tags,
        summary: "The reports and exports stored for a plan's review, oldest first (no bodies)",
        params: planParams,
        querystring: listQuery,
        response: {
          200: z
            .object({ planId: z.string(), reports: z.array(listingSchema) })
            .describe('Every stored report of the plan (none yet: an empty list)'),
          ...errorResponses(READ_ERRORS),
        },
      },
    },
    async (request) => {
      const { kind, format } = request.query;
      const listed = await reports.listForPlan(request.params.planId);
      return {
        planId: request.params.planId,
        reports: listed.filter((r) => (!kind || r.kind === kind) && (!format || r.format === format)),
      };
    },
  );

  routes.get(
    '/v1/compliance/reports/:key',
    {
      onRequest,
      schema: {
        tags,
        summary: 'One stored report by key, in its own format (HTML, PDF, JSON or CSV)',
        params: keyParams,
        response: {
          200: reportBody,
          ...errorResponses([...READ_ERRORS, 404], { 404: 'No report with this key (the message names it)' }),
        },
      },
    },
    async (request, reply) => {
      const report = await reports.get(request.params.key);
      if (!report) throw notFound(`no report with key "${request.params.key}"`);
      return sendReport(reply, report);
    },
  );

  routes.get(
    '/v1/compliance/plans/:planId/export',
    {
      onRequest,
      schema: {
        tags,
        summary: "The plan's jurisdiction export (docs/jurisdiction-export.md): the one its review wrote last",
        params: planParams,
        response: {
          200: permitRecordSchema.describe('The permit review record'),
          ...errorResponses([...READ_ERRORS, 404], {
            404: 'No export for this plan yet (written when its review ends; the message names the plan)',
          }),
        },
      },
    },
    async (request, reply) => {
      const report = await reports.latestOfKind(request.params.planId, 'jurisdiction-export');
      if (!report)
        throw notFound(
          `no jurisdiction export for plan "${request.params.planId}": it is written when the plan's review ends`,
        );
      return sendReport(reply, report);
    },
  );
}

/** The stored bytes with their content type, named so a browser or `curl -OJ` saves them sensibly. */
function sendReport(reply: FastifyReply, report: StoredReport) {
  const filename = `${report.planId}-cycle-${report.cycle}-${report.kind}.${report.format}`.replace(/[^\w.-]/g, '_');
  return reply
    .header('content-type', report.contentType)
    .header('content-disposition', `inline; filename="${filename}"`)
    .header('x-report-key', encodeURIComponent(report.key))
    .send(report.body);
}
