import { createHash } from 'node:crypto';
import type { BenchResults, QualityCheck, QualityVerdict } from '../domain/quality/quality-types';
import type { TestReport, TestStatus } from '../domain/quality/report-types';
import type { SqlDatabase, SqlExecutor } from './sql';

/** Flat numbers of one verdict: `coverage.lines`, `coverage.branches`, `coverage.patch`, `tests.failed`, `tests.total`, `bench.<name>`. */
export type QualityMetrics = Record<string, number | null>;

export type RemediationState = 'opened' | 'still-open' | 'closed';

export interface QualityRecord {
  runId: string;
  service: string;
  branch: string;
  sha: string;
  attempt: number;
  verdict: QualityVerdict;
  metrics: QualityMetrics;
  bench?: BenchResults;
  /** Failed tests of this attempt, and the current status of tests that failed on an earlier attempt of the sha. */
  testResults: { id: string; status: TestStatus }[];
  /** Failed on an earlier attempt of the sha, passed now. */
  flaky: string[];
  owners: string[];
  link?: string;
}

export interface StoredVerdict extends QualityVerdict {
  runId: string;
  service: string;
  branch: string;
  sha: string;
  attempt: number;
  metrics: QualityMetrics;
  remediation?: { id: string; state: RemediationState };
  at: string;
}

export interface Remediation {
  id: string;
  service: string;
  branch: string;
  open: boolean;
  openedAt: string;
  openedByRun: string;
  closedAt?: string;
  closedByRun?: string;
  /** The latest failing run while it was open, its sha and what failed. */
  lastRun: string;
  sha: string;
  failedChecks: QualityCheck[];
  owners: string[];
  link?: string;
  failingRuns: number;
}

export interface TrendPoint {
  runId: string;
  sha: string;
  at: string;
  verdict: 'pass' | 'fail';
  /** The metric asked for (null when that run did not measure it); absent without a metric. */
  value?: number | null;
}

export interface FlakyTest {
  service: string;
  testId: string;
  firstSeen: string;
  lastSeen: string;
  /** Runs that saw it fail and then pass on the same sha. */
  count: number;
  lastSha: string;
  lastRun: string;
}

/**
 * The quality gate's records (migration 015): verdicts per run (keyed by run id, so a retried
 * evaluation records nothing twice), benchmark values for baselines, failed tests for flaky
 * detection, flaky tests, and remediation records (one open per service and branch).
 */
export class QualityResults {
  /** Readers (trend, flaky, remediations) need only queries; `record` needs a database that runs transactions. */
  constructor(private readonly db: SqlExecutor | SqlDatabase) {}

  async get(runId: string): Promise<StoredVerdict | undefined> {
    const [row] = await this.db.query<VerdictRow>('SELECT * FROM quality_verdicts WHERE run_id = $1', [runId]);
    return row && verdictOf(row);
  }

  /**
   * The latest verdict of a service's commit (highest attempt): what a deployment of that
   * commit asks the gate. `sha` may be abbreviated (7 characters or more).
   */
  async latestForCommit(service: string, sha: string): Promise<StoredVerdict | undefined> {
    const [row] = await this.db.query<VerdictRow>(
      `SELECT * FROM quality_verdicts WHERE service = $1 AND (sha = $2 OR (length($2) >= 7 AND left(sha, length($2)) = $2))
        ORDER BY attempt DESC, seq DESC LIMIT 1`,
      [service, sha],
    );
    return row && verdictOf(row);
  }

  /**
   * Records a verdict with everything that hangs on it, in one transaction; the remediation of
   * the branch is opened or updated (fail) or closed (pass). Returns the stored verdict: the
   * earlier one when this run was already recorded (a retry).
   */
  async record(r: QualityRecord): Promise<{ stored: StoredVerdict; remediation?: Remediation; recorded: boolean }> {
    if (!('transaction' in this.db)) throw new Error('QualityResults.record needs a database, not a bare executor');
    const done = await this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO quality_verdicts (run_id, service, branch, sha, attempt, verdict, checks, metrics, flaky)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
        [
          r.runId,
          r.service,
          r.branch,
          r.sha,
          r.attempt,
          r.verdict.verdict,
          JSON.stringify(r.verdict.checks),
          JSON.stringify(r.metrics),
          JSON.stringify(r.flaky),
        ],
      );
      if (inserted.length === 0) return undefined;
      const green = r.verdict.verdict === 'pass';
      for (const [name, result] of Object.entries(r.bench ?? {})) {
        await tx.query(
          `INSERT INTO quality_bench_results (run_id, service, branch, sha, name, value, unit, better, green)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [r.runId, r.service, r.branch, r.sha, name, result.value, result.unit ?? null, result.better, green],
        );
      }
      for (const test of r.testResults) {
        await tx.query(
          `INSERT INTO quality_test_results (run_id, service, sha, attempt, test_id, status)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id, test_id) DO NOTHING`,
          [r.runId, r.service, r.sha, r.attempt, test.id, test.status],
        );
      }
      for (const testId of r.flaky) {
        await tx.query(
          `INSERT INTO quality_flaky (service, test_id, last_sha, last_run) VALUES ($1, $2, $3, $4)
           ON CONFLICT (service, test_id) DO UPDATE
             SET last_seen = now(), count = quality_flaky.count + 1, last_sha = $3, last_run = $4`,
          [r.service, testId, r.sha, r.runId],
        );
      }
      const remediation = await this.remediate(tx, r);
      if (remediation) {
        await tx.query('UPDATE quality_verdicts SET remediation = $2 WHERE run_id = $1', [
          r.runId,
          JSON.stringify({ id: remediation.id, state: remediation.state }),
        ]);
      }
      return remediation;
    });
    const stored = await this.get(r.runId);
    if (!stored) throw new Error(`quality verdict of ${r.runId} vanished after it was recorded`);
    const remediation = stored.remediation ? await this.remediation(stored.remediation.id) : undefined;
    return { stored, ...(remediation ? { remediation } : {}), recorded: done !== undefined };
  }

  /** Fail: open one (or keep the open one, with the latest numbers). Pass: close the open one. */
  private async remediate(
    tx: SqlExecutor,
    r: QualityRecord,
  ): Promise<{ id: string; state: RemediationState } | undefined> {
    const [open] = await tx.query<{ id: string }>(
      'SELECT id FROM quality_remediations WHERE service = $1 AND branch = $2 AND closed_at IS NULL',
      [r.service, r.branch],
    );
    const failed = JSON.stringify(r.verdict.checks.filter((c) => !c.passed));
    if (r.verdict.verdict === 'pass') {
      if (!open) return undefined;
      await tx.query('UPDATE quality_remediations SET closed_at = now(), closed_by_run = $2 WHERE id = $1', [
        open.id,
        r.runId,
      ]);
      return { id: open.id, state: 'closed' };
    }
    if (open) {
      await tx.query(
        `UPDATE quality_remediations SET last_run = $2, sha = $3, failed_checks = $4, owners = $5, link = $6,
           failing_runs = failing_runs + 1 WHERE id = $1`,
        [open.id, r.runId, r.sha, failed, JSON.stringify(r.owners), r.link ?? null],
      );
      return { id: open.id, state: 'still-open' };
    }
    const id = remediationIdOf(r.runId);
    await tx.query(
      `INSERT INTO quality_remediations (id, service, branch, opened_by_run, last_run, sha, failed_checks, owners, link)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
      [id, r.service, r.branch, r.runId, r.sha, failed, JSON.stringify(r.owners), r.link ?? null],
    );
    return { id, state: 'opened' };
  }

  async remediation(id: string): Promise<Remediation | undefined> {
    const [row] = await this.db.query<RemediationRow>('SELECT * FROM quality_remediations WHERE id = $1', [id]);
    return row && remediationOf(row);
  }

  /**
   * The benchmark baseline of a service's branch: per benchmark, the median (H1's benchBaseline)
   * of its values in the last `runs` green runs, this sha's runs left out. Undefined when no
   * green run measured any of `names`.
   */
  async baseline(q: {
    service: string;
    branch: string;
    names: string[];
    runs: number;
    excludeSha?: string;
  }): Promise<BenchResults[]> {
    if (q.names.length === 0) return [];
    const rows = await this.db.query<{
      run_id: string;
      name: string;
      value: number;
      unit: string | null;
      better: string;
    }>(
      `SELECT run_id, name, value, unit, better FROM quality_bench_results
        WHERE service = $1 AND branch = $2 AND green AND name = ANY($3::text[]) AND sha <> $4
        ORDER BY seq DESC`,
      [q.service, q.branch, q.names, q.excludeSha ?? ''],
    );
    // Oldest first within the chosen runs, so "the latest run's unit" means the newest one.
    const perName = new Map<string, number>();
    const runs = new Map<string, BenchResults>();
    for (const row of rows) {
      const taken = perName.get(row.name) ?? 0;
      if (taken >= q.runs) continue;
      perName.set(row.name, taken + 1);
      const run = runs.get(row.run_id) ?? {};
      run[row.name] = {
        value: Number(row.value),
        ...(row.unit ? { unit: row.unit } : {}),
        better: row.better as 'lower' | 'higher',
      };
      runs.set(row.run_id, run);
    }
    return [...runs.values()].reverse();
  }

  /** Test reports of the earlier attempts of a sha (only the tests stored: failures and their reruns). */
  async earlierTestReports(service: string, sha: string, beforeAttempt: number): Promise<TestReport[]> {
    const rows = await this.db.query<{ run_id: string; test_id: string; status: TestStatus }>(
      `SELECT run_id, test_id, status FROM quality_test_results
        WHERE service = $1 AND sha = $2 AND attempt < $3 ORDER BY attempt, run_id, test_id`,
      [service, sha, beforeAttempt],
    );
    const reports = new Map<string, TestReport>();
    for (const row of rows) {
      const report = reports.get(row.run_id) ?? {
        sources: [row.run_id],
        tests: 0,
        passed: 0,
        failed: 0,
        errors: 0,
        skipped: 0,
        cases: [],
      };
      report.tests++;
      if (row.status === 'passed') report.passed++;
      else if (row.status === 'failed') report.failed++;
      else if (row.status === 'error') report.errors++;
      else report.skipped++;
      report.cases.push({ id: row.test_id, name: row.test_id, status: row.status });
      reports.set(row.run_id, report);
    }
    return [...reports.values()];
  }

  /** Test ids that failed (or errored) on an earlier attempt of the sha: their status now is worth keeping. */
  async earlierFailedTests(service: string, sha: string, beforeAttempt: number): Promise<Set<string>> {
    const rows = await this.db.query<{ test_id: string }>(
      `SELECT DISTINCT test_id FROM quality_test_results
        WHERE service = $1 AND sha = $2 AND attempt < $3 AND status IN ('failed', 'error')`,
      [service, sha, beforeAttempt],
    );
    return new Set(rows.map((r) => r.test_id));
  }

  /** The history of a service (newest first), optionally of one branch and one metric. */
  async trend(q: { service: string; branch?: string; metric?: string; limit?: number }): Promise<TrendPoint[]> {
    const rows = await this.db.query<VerdictRow>(
      `SELECT * FROM quality_verdicts WHERE service = $1 AND ($2::text IS NULL OR branch = $2)
        ORDER BY seq DESC LIMIT $3`,
      [q.service, q.branch ?? null, Math.min(Math.max(q.limit ?? 50, 1), 1000)],
    );
    return rows.map((row) => {
      const metrics = json<QualityMetrics>(row.metrics);
      return {
        runId: row.run_id,
        sha: row.sha,
        at: iso(row.at),
        verdict: row.verdict,
        ...(q.metric !== undefined ? { value: metrics[q.metric] ?? null } : {}),
      };
    });
  }

  /** Flaky tests, most often seen first. */
  async flaky(q: { service?: string; limit?: number } = {}): Promise<FlakyTest[]> {
    const rows = await this.db.query<FlakyRow>(
      `SELECT * FROM quality_flaky WHERE ($1::text IS NULL OR service = $1)
        ORDER BY count DESC, last_seen DESC, test_id LIMIT $2`,
      [q.service ?? null, Math.min(Math.max(q.limit ?? 100, 1), 1000)],
    );
    return rows.map((row) => ({
      service: row.service,
      testId: row.test_id,
      firstSeen: iso(row.first_seen),
      lastSeen: iso(row.last_seen),
      count: Number(row.count),
      lastSha: row.last_sha,
      lastRun: row.last_run,
    }));
  }

  /** Remediation records, newest first; `open` filters open (true) or closed (false) ones. */
  async remediations(q: { service?: string; open?: boolean; limit?: number } = {}): Promise<Remediation[]> {
    const rows = await this.db.query<RemediationRow>(
      `SELECT * FROM quality_remediations
        WHERE ($1::text IS NULL OR service = $1) AND ($2::boolean IS NULL OR (closed_at IS NULL) = $2)
        ORDER BY opened_at DESC, id LIMIT $3`,
      [q.service ?? null, q.open ?? null, Math.min(Math.max(q.limit ?? 100, 1), 1000)],
    );
    return rows.map(remediationOf);
  }
}

/** Deterministic from the run that opened it, so a retried evaluation opens the same record. */
function remediationIdOf(runId: string): string {
  return `rem-${createHash('sha256').update(runId).digest('hex').slice(0, 16)}`;
}

interface VerdictRow {
  run_id: string;
  service: string;
  branch: string;
  sha: string;
  attempt: number;
  verdict: 'pass' | 'fail';
  checks: unknown;
  metrics: unknown;
  flaky: unknown;
  remediation: unknown;
  at: Date | string;
}

interface RemediationRow {
  id: string;
  service: string;
  branch: string;
  opened_at: Date | string;
  opened_by_run: string;
  closed_at: Date | string | null;
  closed_by_run: string | null;
  last_run: string;
  sha: string;
  failed_checks: unknown;
  owners: unknown;
  link: string | null;
  failing_runs: number;
}

interface FlakyRow {
  service: string;
  test_id: string;
  first_seen: Date | string;
  last_seen: Date | string;
  count: number;
  last_sha: string;
  last_run: string;
}

function verdictOf(row: VerdictRow): StoredVerdict {
  const flaky = json<string[]>(row.flaky);
  const remediation =
    row.remediation === null ? undefined : json<{ id: string; state: RemediationState }>(row.remediation);
  return {
    runId: row.run_id,
    service: row.service,
    branch: row.branch,
    sha: row.sha,
    attempt: Number(row.attempt),
    verdict: row.verdict,
    checks: json<QualityCheck[]>(row.checks),
    ...(flaky.length > 0 ? { flaky } : {}),
    metrics: json<QualityMetrics>(row.metrics),
    ...(remediation ? { remediation } : {}),
    at: iso(row.at),
  };
}

function remediationOf(row: RemediationRow): Remediation {
  return {
    id: row.id,
    service: row.service,
    branch: row.branch,
    open: row.closed_at === null,
    openedAt: iso(row.opened_at),
    openedByRun: row.opened_by_run,
    ...(row.closed_at !== null ? { closedAt: iso(row.closed_at) } : {}),
    ...(row.closed_by_run !== null ? { closedByRun: row.closed_by_run } : {}),
    lastRun: row.last_run,
    sha: row.sha,
    failedChecks: json<QualityCheck[]>(row.failed_checks),
    owners: json<string[]>(row.owners),
    ...(row.link !== null ? { link: row.link } : {}),
    failingRuns: Number(row.failing_runs),
  };
}

/** pg and PGlite hand JSONB back parsed; a driver that hands text is parsed here. */
function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
