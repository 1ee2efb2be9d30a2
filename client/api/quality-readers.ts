import { z } from 'zod';
import { QualityResults } from '../../db/quality-results';
import type { SqlDatabase } from '../../db/sql';
import type { GatewayClient } from './gateway-client';

const name = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/** GET /v1/quality/trend and `arxflow quality trend <service>`. */
export const qualityTrendSchema = z
  .object({
    service: name(500).describe('the service (default of a pipeline: its repo key, e.g. acme/site-api)'),
    branch: name(500).optional(),
    metric: name(500)
      .optional()
      .describe('a check name: coverage.lines, coverage.branches, coverage.patch, tests.failed, bench.<name>'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  })
  .strict();
export type QualityTrendFilter = z.infer<typeof qualityTrendSchema>;

/** GET /v1/quality/flaky and `arxflow quality flaky`. */
export const qualityFlakySchema = z.object({ service: name(500).optional() }).strict();
export type QualityFlakyFilter = z.infer<typeof qualityFlakySchema>;

/** GET /v1/quality/remediations. `open`: true only open ones, false only closed ones; absent both. */
export const qualityRemediationsSchema = z
  .object({
    service: name(500).optional(),
    open: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
  })
  .strict();
export type QualityRemediationsFilter = z.infer<typeof qualityRemediationsSchema>;

export type QualityTrendRow = Awaited<ReturnType<QualityResults['trend']>>[number];
export type FlakyTestRow = Awaited<ReturnType<QualityResults['flaky']>>[number];
export type RemediationRow = Awaited<ReturnType<QualityResults['remediations']>>[number];

/**
 * The quality gate's stored history (db/quality-results.ts): verdicts per service, branch and
 * sha, flaky tests, remediation records. The same from the store (the gateway; the CLI with
 * DATABASE_URL or no running service) and through the gateway (/v1/quality/...).
 */
export interface QualityHistoryReader {
  trend(filter: QualityTrendFilter): Promise<QualityTrendRow[]>;
  flaky(filter: QualityFlakyFilter): Promise<FlakyTestRow[]>;
  remediations(filter: QualityRemediationsFilter): Promise<RemediationRow[]>;
}

export class StoreQualityReader implements QualityHistoryReader {
  private readonly results: QualityResults;
  constructor(db: SqlDatabase) {
    this.results = new QualityResults(db);
  }
  trend(filter: QualityTrendFilter) {
    return this.results.trend(filter);
  }
  flaky(filter: QualityFlakyFilter) {
    return this.results.flaky(filter);
  }
  remediations(filter: QualityRemediationsFilter) {
    return this.results.remediations(filter);
  }
}

export class HttpQualityReader implements QualityHistoryReader {
  constructor(private readonly gateway: GatewayClient) {}
  async trend(filter: QualityTrendFilter) {
    return (await this.gateway.request<{ trend: QualityTrendRow[] }>('GET', `/v1/quality/trend?${query(filter)}`))
      .trend;
  }
  async flaky(filter: QualityFlakyFilter) {
    return (await this.gateway.request<{ flaky: FlakyTestRow[] }>('GET', `/v1/quality/flaky?${query(filter)}`)).flaky;
  }
  async remediations(filter: QualityRemediationsFilter) {
    const path = `/v1/quality/remediations?${query(filter)}`;
    return (await this.gateway.request<{ remediations: RemediationRow[] }>('GET', path)).remediations;
  }
}

function query(filter: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value));
  return params;
}
