import type { Maker } from '../domain/funding/gate-input';
import type { FundingProgram, FundingProgramDefinition } from '../domain/funding/program';
import type { AuditLog } from './audit-log';
import type { SqlDatabase, SqlExecutor } from './sql';

export interface Payee {
  projectId: string;
  payeeId: string;
  name: string;
  registeredBy: string;
  registeredAt: string;
}

interface ProgramRow {
  project_id: string;
  program_id: string;
  version: number;
  definition: FundingProgramDefinition | string;
  created_by: string;
  created_at: Date | string;
}

interface PayeeRow {
  project_id: string;
  payee_id: string;
  name: string;
  registered_by: string;
  registered_at: Date | string;
}

/** The audit subject of a project's funding setup: its program and payee changes, read back as makers. */
export const projectSubject = (projectId: string) => `project/${projectId}`;

/**
 * Funding programs (versioned) and registered payees per project. Each change is written
 * with its audit event in one transaction, so the audit trail is the record of who changed
 * what and when (the maker-checker rule reads it).
 */
export class FundingPrograms {
  constructor(
    private readonly db: SqlDatabase,
    private readonly audit: AuditLog,
  ) {}

  /** Stores the next version of a program; it becomes the project's current program unless told otherwise. */
  async publish(
    projectId: string,
    programId: string,
    definition: FundingProgramDefinition,
    actor: string,
    options: { makeCurrent?: boolean } = {},
  ): Promise<FundingProgram> {
    return this.db.transaction(async (tx) => {
      // Versions without gaps or duplicates under concurrent publishers.
      await tx.query('LOCK TABLE funding_programs IN SHARE ROW EXCLUSIVE MODE');
      const [last] = await tx.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM funding_programs WHERE project_id = $1 AND program_id = $2',
        [projectId, programId],
      );
      const version = Number(last?.version ?? 0) + 1;
      const [row] = await tx.query<ProgramRow>(
        `INSERT INTO funding_programs (project_id, program_id, version, definition, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [projectId, programId, version, JSON.stringify(definition), actor],
      );
      const makeCurrent = options.makeCurrent ?? true;
      if (makeCurrent) {
        await tx.query(
          `INSERT INTO funding_project_current_program (project_id, program_id) VALUES ($1, $2)
           ON CONFLICT (project_id) DO UPDATE SET program_id = EXCLUDED.program_id`,
          [projectId, programId],
        );
      }
      await this.audit.append(
        {
          actor,
          action: 'funding.program.published',
          subject: projectSubject(projectId),
          data: { programId, version, current: makeCurrent },
        },
        tx,
      );
      return toProgram(row!);
    });
  }

  /** A program's latest version, or the one asked for. */
  async get(projectId: string, programId: string, version?: number): Promise<FundingProgram | undefined> {
    const [row] =
      version === undefined
        ? await this.db.query<ProgramRow>(
            'SELECT * FROM funding_programs WHERE project_id = $1 AND program_id = $2 ORDER BY version DESC LIMIT 1',
            [projectId, programId],
          )
        : await this.db.query<ProgramRow>(
            'SELECT * FROM funding_programs WHERE project_id = $1 AND program_id = $2 AND version = $3',
            [projectId, programId, version],
          );
    return row && toProgram(row);
  }

  /** The latest version of the project's current program. */
  async current(projectId: string): Promise<FundingProgram | undefined> {
    const [row] = await this.db.query<{ program_id: string }>(
      'SELECT program_id FROM funding_project_current_program WHERE project_id = $1',
      [projectId],
    );
    return row && this.get(projectId, row.program_id);
  }

  /** The latest version of each of the project's programs, and which is current. */
  async list(projectId: string): Promise<{ current?: string; programs: FundingProgram[] }> {
    const rows = await this.db.query<ProgramRow>(
      `SELECT DISTINCT ON (program_id) * FROM funding_programs WHERE project_id = $1 ORDER BY program_id, version DESC`,
      [projectId],
    );
    const [current] = await this.db.query<{ program_id: string }>(
      'SELECT program_id FROM funding_project_current_program WHERE project_id = $1',
      [projectId],
    );
    return { ...(current ? { current: current.program_id } : {}), programs: rows.map(toProgram) };
  }

  /** Registers (or re-registers after removal) a payee of the project. */
  async registerPayee(projectId: string, payeeId: string, name: string, actor: string): Promise<Payee> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<PayeeRow>(
        `INSERT INTO funding_payees (project_id, payee_id, name, registered_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, payee_id) DO UPDATE
           SET name = EXCLUDED.name, registered_by = EXCLUDED.registered_by, registered_at = now(), removed_by = NULL, removed_at = NULL
         RETURNING *`,
        [projectId, payeeId, name, actor],
      );
      await this.audit.append(
        { actor, action: 'funding.payee.registered', subject: projectSubject(projectId), data: { payeeId, name } },
        tx,
      );
      return toPayee(row!);
    });
  }

  /** Removes a registered payee (kept as a record); false when it was not registered. */
  async removePayee(projectId: string, payeeId: string, actor: string): Promise<boolean> {
    return this.db.transaction(async (tx: SqlExecutor) => {
      const rows = await tx.query(
        'UPDATE funding_payees SET removed_by = $3, removed_at = now() WHERE project_id = $1 AND payee_id = $2 AND removed_at IS NULL RETURNING payee_id',
        [projectId, payeeId, actor],
      );
      if (rows.length === 0) return false;
      await this.audit.append(
        { actor, action: 'funding.payee.removed', subject: projectSubject(projectId), data: { payeeId } },
        tx,
      );
      return true;
    });
  }

  async payee(projectId: string, payeeId: string): Promise<Payee | undefined> {
    const [row] = await this.db.query<PayeeRow>(
      'SELECT * FROM funding_payees WHERE project_id = $1 AND payee_id = $2 AND removed_at IS NULL',
      [projectId, payeeId],
    );
    return row && toPayee(row);
  }

  /** Whether the payee is registered for the project now; `executor`: inside a caller's transaction. */
  async isRegisteredPayee(projectId: string, payeeId: string, executor: SqlExecutor = this.db): Promise<boolean> {
    const rows = await executor.query(
      'SELECT 1 FROM funding_payees WHERE project_id = $1 AND payee_id = $2 AND removed_at IS NULL',
      [projectId, payeeId],
    );
    return rows.length > 0;
  }

  async payees(projectId: string): Promise<Payee[]> {
    const rows = await this.db.query<PayeeRow>(
      'SELECT * FROM funding_payees WHERE project_id = $1 AND removed_at IS NULL ORDER BY payee_id',
      [projectId],
    );
    return rows.map(toPayee);
  }

  /** Who changed the project's program or payees at or after `since` (from the audit trail). */
  async makersSince(projectId: string, since: Date): Promise<Maker[]> {
    // The latest change of each author and part: however many changes others made, nobody drops out.
    const rows = await this.db.query<{ actor: string; at: Date | string; action: string }>(
      `SELECT actor, max(at) AS at, CASE WHEN action LIKE 'funding.program.%' THEN 'funding.program.' ELSE 'funding.payee.' END AS action
         FROM audit_events
        WHERE subject = $1 AND at >= $2 AND (action LIKE 'funding.program.%' OR action LIKE 'funding.payee.%')
        GROUP BY 1, 3 ORDER BY 2 DESC LIMIT 200`,
      [projectSubject(projectId), since.toISOString()],
    );
    return rows.map((row) => ({ actor: row.actor, at: new Date(row.at).toISOString(), what: setupPartOf(row.action) }));
  }
}

/** What a maker changed, as the refusal names it. */
export function setupPartOf(action: string): string {
  return action.startsWith('funding.program.') ? 'funding program' : 'payees';
}

function toProgram(row: ProgramRow): FundingProgram {
  return {
    projectId: row.project_id,
    programId: row.program_id,
    version: Number(row.version),
    definition: typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function toPayee(row: PayeeRow): Payee {
  return {
    projectId: row.project_id,
    payeeId: row.payee_id,
    name: row.name,
    registeredBy: row.registered_by,
    registeredAt: new Date(row.registered_at).toISOString(),
  };
}
