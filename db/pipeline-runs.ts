import type { PipelineRunView, RunStatus } from '../domain/pipelines/pipeline-types';
import type { SqlDatabase } from './sql';

interface RunRow {
  view: PipelineRunView | string;
}

const OPEN: RunStatus[] = ['queued', 'running'];

/** Pipeline runs as last recorded by their workflow (recordPipelineRun); the store of closed runs. */
export class PipelineRuns {
  constructor(private readonly db: SqlDatabase) {}

  /** Records the run's view; an older view (a late retry) never overwrites a closed run's. */
  async upsert(view: PipelineRunView): Promise<void> {
    await this.db.query(
      `INSERT INTO pipeline_runs (run_id, repo_key, sha, attempt, status, view, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, view = EXCLUDED.view, updated_at = now()
       WHERE pipeline_runs.status IN ('queued', 'running') OR EXCLUDED.status NOT IN ('queued', 'running')`,
      [view.runId, view.repoKey, view.sha, view.attempt, view.status, JSON.stringify(view), view.createdAt],
    );
  }

  async get(runId: string): Promise<PipelineRunView | undefined> {
    const [row] = await this.db.query<RunRow>('SELECT view FROM pipeline_runs WHERE run_id = $1', [runId]);
    return row && viewOf(row);
  }

  /** Newest first. */
  async list(filter: { repoKey?: string; status?: RunStatus; limit?: number } = {}): Promise<PipelineRunView[]> {
    const rows = await this.db.query<RunRow>(
      `SELECT view FROM pipeline_runs
       WHERE ($1::text IS NULL OR repo_key = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at DESC, run_id DESC LIMIT $3`,
      [filter.repoKey ?? null, filter.status ?? null, filter.limit ?? 50],
    );
    return rows.map(viewOf);
  }

  /** The highest attempt recorded for the sha (0 when none): a rerun is the next one. */
  async latestAttempt(repoKey: string, sha: string): Promise<number> {
    const [row] = await this.db.query<{ attempt: number | null }>(
      'SELECT max(attempt) AS attempt FROM pipeline_runs WHERE repo_key = $1 AND sha = $2',
      [repoKey, sha],
    );
    return Number(row?.attempt ?? 0);
  }

  /**
   * Puts `runId` in `group` (once; a retry keeps its place) and returns the runs that entered the
   * group before it and are still open (not recorded, queued or running): a newer push supersedes them.
   */
  async enterGroup(group: string, runId: string): Promise<string[]> {
    await this.db.query(
      'INSERT INTO pipeline_concurrency (group_name, run_id) VALUES ($1, $2) ON CONFLICT (group_name, run_id) DO NOTHING',
      [group, runId],
    );
    await this.db.query('UPDATE pipeline_runs SET concurrency_group = $1 WHERE run_id = $2', [group, runId]);
    const rows = await this.db.query<{ run_id: string }>(
      `SELECT c.run_id FROM pipeline_concurrency c
       LEFT JOIN pipeline_runs r ON r.run_id = c.run_id
       WHERE c.group_name = $1
         AND c.entered < (SELECT entered FROM pipeline_concurrency WHERE group_name = $1 AND run_id = $2)
         AND (r.status IS NULL OR r.status = ANY($3::text[]))
       ORDER BY c.entered`,
      [group, runId, OPEN],
    );
    return rows.map((r) => r.run_id);
  }
}

function viewOf(row: RunRow): PipelineRunView {
  return typeof row.view === 'string' ? JSON.parse(row.view) : row.view;
}
