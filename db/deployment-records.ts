import type { SqlExecutor } from './sql';

/** What a target change left behind (TargetOutcome of activities/deploy without `changed`). */
export interface RecordedOutcome {
  serving: string | undefined;
  baseUrl?: string;
  publicUrl?: string;
  detail: string;
}

export interface DeploymentRecord {
  workflowId: string;
  stage: string;
  service: string;
  environment: string;
  version: string;
  outcome: RecordedOutcome;
  createdAt: string;
}

interface RecordRow {
  workflow_id: string;
  stage: string;
  service: string;
  environment: string;
  version: string;
  outcome: unknown;
  created_at: Date | string;
}

/**
 * The changes deployments made to their targets (migration 016), one per (workflow id, stage):
 * the deployment activities look here before touching a target, so a retry after a worker crash
 * returns the record instead of deploying twice.
 */
export class DeploymentRecords {
  constructor(private readonly db: SqlExecutor) {}

  async get(workflowId: string, stage: string): Promise<DeploymentRecord | undefined> {
    const [row] = await this.db.query<RecordRow>(
      'SELECT * FROM deployment_records WHERE workflow_id = $1 AND stage = $2',
      [workflowId, stage],
    );
    return row && recordOf(row);
  }

  /**
   * Records a change once. Returns the stored record: the earlier one when another attempt of
   * the same stage recorded first (both ran the same idempotent change; the first record stands).
   */
  async record(r: Omit<DeploymentRecord, 'createdAt'>): Promise<{ record: DeploymentRecord; inserted: boolean }> {
    const inserted = await this.db.query(
      `INSERT INTO deployment_records (workflow_id, stage, service, environment, version, outcome)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workflow_id, stage) DO NOTHING RETURNING stage`,
      [r.workflowId, r.stage, r.service, r.environment, r.version, JSON.stringify(r.outcome)],
    );
    const record = await this.get(r.workflowId, r.stage);
    if (!record) throw new Error(`deployment record ${r.workflowId} ${r.stage} vanished after it was written`);
    return { record, inserted: inserted.length > 0 };
  }

  /** Every record of a deployment, oldest first (tests count them; status pages may show them). */
  async list(workflowId: string): Promise<DeploymentRecord[]> {
    const rows = await this.db.query<RecordRow>(
      'SELECT * FROM deployment_records WHERE workflow_id = $1 ORDER BY created_at, stage',
      [workflowId],
    );
    return rows.map(recordOf);
  }
}

function recordOf(row: RecordRow): DeploymentRecord {
  const outcome = (typeof row.outcome === 'string' ? JSON.parse(row.outcome) : row.outcome) as RecordedOutcome;
  return {
    workflowId: row.workflow_id,
    stage: row.stage,
    service: row.service,
    environment: row.environment,
    version: row.version,
    outcome,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
