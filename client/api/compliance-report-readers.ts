import { ComplianceReports, type StoredReport } from '../../db/compliance-reports';
import type { SqlExecutor } from '../../db/sql';
import { ApiError } from './errors';
import type { GatewayClient } from './gateway-client';

export type ReportListing = Omit<StoredReport, 'body'>;
/** A report's bytes as served: what `arxflow compliance report` prints or writes. */
export interface ReportFile {
  contentType: string;
  body: Buffer;
}

/**
 * Reading the reports complianceReview stored, the same from the store (DATABASE_URL, or the
 * data dir's PGlite when no service holds it) and through the gateway (/v1/compliance/...).
 */
export interface ComplianceReportReader {
  list(planId: string): Promise<ReportListing[]>;
  /** Undefined when there is no report with this key. */
  get(key: string): Promise<ReportFile | undefined>;
  /** The plan's last jurisdiction export; undefined when its review has written none. */
  latestExport(planId: string): Promise<ReportFile | undefined>;
}

export class StoreReportReader implements ComplianceReportReader {
  private readonly reports: ComplianceReports;
  constructor(db: SqlExecutor) {
    this.reports = new ComplianceReports(db);
  }
  list(planId: string) {
    return this.reports.listForPlan(planId);
  }
  get(key: string) {
    return this.reports.get(key);
  }
  latestExport(planId: string) {
    return this.reports.latestOfKind(planId, 'jurisdiction-export');
  }
}

export class HttpReportReader implements ComplianceReportReader {
  constructor(private readonly gateway: GatewayClient) {}
  async list(planId: string) {
    const path = `/v1/compliance/plans/${encodeURIComponent(planId)}/reports`;
    return (await this.gateway.request<{ reports: ReportListing[] }>('GET', path)).reports;
  }
  get(key: string) {
    return orUndefinedIfNotFound(this.gateway.download(`/v1/compliance/reports/${encodeURIComponent(key)}`));
  }
  latestExport(planId: string) {
    return orUndefinedIfNotFound(this.gateway.download(`/v1/compliance/plans/${encodeURIComponent(planId)}/export`));
  }
}

/**
 * A 404 is "no such report" (the caller words it); every other refusal stays an error, and so
 * does a gateway too old to have the route (gateway/errors.ts: "no route ...").
 */
async function orUndefinedIfNotFound<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && !err.message.startsWith('no route ')) return undefined;
    throw err;
  }
}
