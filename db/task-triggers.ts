import { parseTaskTrigger, taskTriggerSchema, type TaskTrigger, type TaskTriggerType } from '../domain/task-triggers';
import type { SqlDatabase, SqlExecutor } from './sql';

export interface TriggerDeadLetter {
  key: string;
  triggerId: string;
  action: unknown;
  error: string;
  attempts: number;
  createdAt: Date;
  /** The first dead letter of this action (its own key unless a replay failed again): the key its effects keep. */
  originKey: string;
  /** Replays started so far; the next one is attempt `replayAttempts + 1`. */
  replayAttempts: number;
  /** The latest replay workflow, running or done. */
  replayWorkflowId: string | null;
  /** Set once a replay finished: it is not replayed again. */
  replayedAt: Date | null;
  replayOutcome: string | null;
  /** When the replay failed again: the new dead letter. */
  replayDeadLetterKey: string | null;
}

export interface RecordDeadLetterInput {
  key: string;
  triggerId: string;
  action: unknown;
  error: string;
  attempts: number;
  /** Defaults to `key`: set by a replay that failed again. */
  originKey?: string;
}

export interface ReplayDone {
  key: string;
  replayWorkflowId: string;
  outcome: string;
  newDeadLetterKey?: string;
}

interface TriggerRow {
  id: string;
  definition: unknown;
}

interface DeadLetterRow {
  key: string;
  trigger_id: string;
  action: unknown;
  error: string;
  attempts: number;
  created_at: Date | string;
  origin_key: string;
  replay_attempts: number;
  replay_workflow_id: string | null;
  replayed_at: Date | string | null;
  replay_outcome: string | null;
  replay_dead_letter_key: string | null;
}

/** Trigger definitions (validated on the way in) and the dead letters of actions that could not be done. */
export class TaskTriggers {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates or replaces a trigger by id; throws InputError naming each bad field, and writes nothing then. */
  async upsert(input: unknown, tx: SqlExecutor = this.db): Promise<TaskTrigger> {
    const trigger = parseTaskTrigger(input);
    await tx.query(
      `INSERT INTO task_triggers (id, project_id, task_id, trigger_type, definition) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET project_id = EXCLUDED.project_id, task_id = EXCLUDED.task_id,
         trigger_type = EXCLUDED.trigger_type, definition = EXCLUDED.definition`,
      [trigger.id, trigger.projectId, trigger.taskId, trigger.triggerType, JSON.stringify(trigger)],
    );
    return trigger;
  }

  /** true when a trigger was removed. */
  async remove(id: string, tx: SqlExecutor = this.db): Promise<boolean> {
    const rows = await tx.query('DELETE FROM task_triggers WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async get(id: string): Promise<TaskTrigger | undefined> {
    const [row] = await this.db.query<TriggerRow>('SELECT id, definition FROM task_triggers WHERE id = $1', [id]);
    return row && this.definitionOf(row);
  }

  /** Every trigger, or those of one project and/or task, in the order events run them. */
  async list(filter: { projectId?: string; taskId?: string } = {}): Promise<TaskTrigger[]> {
    const rows = await this.db.query<TriggerRow>(
      `SELECT id, definition FROM task_triggers
       WHERE ($1::text IS NULL OR project_id = $1) AND ($2::text IS NULL OR task_id = $2)
       ORDER BY project_id, task_id, created_at, id`,
      [filter.projectId ?? null, filter.taskId ?? null],
    );
    return rows.flatMap((row) => {
      const trigger = this.definitionOf(row);
      return trigger ? [trigger] : [];
    });
  }

  /** The triggers of one task and event type, oldest first (ties by id), so actions run in a stable order. */
  async forTask(projectId: string, taskId: string, type: TaskTriggerType): Promise<TaskTrigger[]> {
    const rows = await this.db.query<TriggerRow>(
      `SELECT id, definition FROM task_triggers WHERE project_id = $1 AND task_id = $2 AND trigger_type = $3
       ORDER BY created_at, id`,
      [projectId, taskId, type],
    );
    return rows.flatMap((row) => {
      const trigger = this.definitionOf(row);
      return trigger ? [trigger] : [];
    });
  }

  /** Records a dead letter once per key; true when this call wrote it. */
  async recordDeadLetter(input: RecordDeadLetterInput): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO trigger_dead_letters (key, trigger_id, action, error, attempts, origin_key) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [
        input.key,
        input.triggerId,
        JSON.stringify(input.action ?? null),
        input.error,
        input.attempts,
        input.originKey ?? input.key,
      ],
    );
    return rows.length > 0;
  }

  async deadLetters(filter: { triggerId?: string } = {}): Promise<TriggerDeadLetter[]> {
    const rows = await this.db.query<DeadLetterRow>(
      'SELECT * FROM trigger_dead_letters WHERE ($1::text IS NULL OR trigger_id = $1) ORDER BY created_at, key',
      [filter.triggerId ?? null],
    );
    return rows.map(deadLetterOf);
  }

  async deadLetter(key: string): Promise<TriggerDeadLetter | undefined> {
    const [row] = await this.db.query<DeadLetterRow>('SELECT * FROM trigger_dead_letters WHERE key = $1', [key]);
    return row && deadLetterOf(row);
  }

  /**
   * Notes that replay `attempt` started as `workflowId`. Called by whoever started it and by
   * the replay itself (either may be cut off first); an older attempt never overwrites a newer.
   */
  async recordReplayStart(key: string, workflowId: string, attempt: number): Promise<void> {
    await this.db.query(
      `UPDATE trigger_dead_letters SET replay_attempts = $3, replay_workflow_id = $2
       WHERE key = $1 AND replayed_at IS NULL AND replay_attempts < $3`,
      [key, workflowId, attempt],
    );
  }

  /** Marks the dead letter replayed, once: true when this call marked it (or had marked it before). */
  async recordReplayDone(done: ReplayDone): Promise<boolean> {
    await this.db.query(
      `UPDATE trigger_dead_letters SET replayed_at = now(), replay_workflow_id = $2, replay_outcome = $3, replay_dead_letter_key = $4
       WHERE key = $1 AND replayed_at IS NULL`,
      [done.key, done.replayWorkflowId, done.outcome, done.newDeadLetterKey ?? null],
    );
    return (await this.deadLetter(done.key))?.replayWorkflowId === done.replayWorkflowId;
  }

  /** A stored definition that no longer parses (written by an older version) is skipped, not fatal. */
  private definitionOf(row: TriggerRow): TaskTrigger | undefined {
    const definition = typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition;
    const parsed = taskTriggerSchema.safeParse(definition);
    return parsed.success ? parsed.data : undefined;
  }
}

function deadLetterOf(row: DeadLetterRow): TriggerDeadLetter {
  const action = typeof row.action === 'string' ? JSON.parse(row.action) : row.action;
  return {
    key: row.key,
    triggerId: row.trigger_id,
    action,
    error: row.error,
    attempts: Number(row.attempts),
    createdAt: new Date(row.created_at),
    originKey: row.origin_key,
    replayAttempts: Number(row.replay_attempts),
    replayWorkflowId: row.replay_workflow_id,
    replayedAt: row.replayed_at === null ? null : new Date(row.replayed_at),
    replayOutcome: row.replay_outcome,
    replayDeadLetterKey: row.replay_dead_letter_key,
  };
}
