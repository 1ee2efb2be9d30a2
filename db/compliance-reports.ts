import type { SqlExecutor } from './sql';

export interface StoredReport {
  key: string;
  workflowId: string;
  planId: string;
  cycle: number;
  kind: 'corrections' | 'final' | 'jurisdiction-export';
  format: 'html' | 'pdf' | 'json' | 'csv';
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<StoredReport['format'], string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
};

/** Generated compliance reports and exports (migration 010), written once per key. */
export class ComplianceReports {
  constructor(private readonly db: SqlExecutor) {}

  /** Stores the report unless its key exists (a retried activity): returns whether it was new. */
  async put(report: Omit<StoredReport, 'contentType'>): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO compliance_reports (key, workflow_id, plan_id, cycle, kind, format, content_type, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [
        report.key,
        report.workflowId,
        report.planId,
        report.cycle,
        report.kind,
        report.format,
        CONTENT_TYPES[report.format],
        report.body,
      ],
    );
    return rows.length > 0;
  }

  async get(key: string): Promise<StoredReport | undefined> {
    const [row] = await this.db.query<Record<string, unknown>>('SELECT * FROM compliance_reports WHERE key = $1', [
      key,
    ]);
    return row && toReport(row);
  }

  async listForPlan(planId: string): Promise<Omit<StoredReport, 'body'>[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT key, workflow_id, plan_id, cycle, kind, format, content_type FROM compliance_reports WHERE plan_id = $1 ORDER BY created_at, key',
      [planId],
    );
    return rows.map(toListing);
  }

  /** The newest report of one kind for a plan (the jurisdiction export a review wrote last), or undefined. */
  async latestOfKind(planId: string, kind: StoredReport['kind']): Promise<StoredReport | undefined> {
    const [row] = await this.db.query<Record<string, unknown>>(
      'SELECT * FROM compliance_reports WHERE plan_id = $1 AND kind = $2 ORDER BY created_at DESC, key DESC LIMIT 1',
      [planId, kind],
    );
    return row && toReport(row);
  }
}

function toListing(row: Record<string, unknown>): Omit<StoredReport, 'body'> {
  return {
    key: row.key as string,
    workflowId: row.workflow_id as string,
    planId: row.plan_id as string,
    cycle: Number(row.cycle),
    kind: row.kind as StoredReport['kind'],
    format: row.format as StoredReport['format'],
    contentType: row.content_type as string,
  };
}

function toReport(row: Record<string, unknown>): StoredReport {
  return { ...toListing(row), body: Buffer.from(row.body as Uint8Array) };
}
