import { parseTaskTrigger, taskTriggerSchema, type TaskTrigger, type TaskTriggerType } from '../domain/task-triggers';
import type { SqlDatabase } from './sql';

export interface TriggerDeadLetter {
  key: string;
  triggerId: string;
  action: unknown;
  error: string;
  attempts: number;
  createdAt: Date;
}

export interface RecordDeadLetterInput {
  key: string;
  triggerId: string;
  action: unknown;
  error: string;
  attempts: number;
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
}

/** Trigger definitions (validated on the way in) and the dead letters of actions that could not be done. */
export class TaskTriggers {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates or replaces a trigger by id; throws InputError naming each bad field, and writes nothing then. */
  async upsert(input: unknown): Promise<TaskTrigger> {
    const trigger = parseTaskTrigger(input);
    await this.db.query(
      `INSERT INTO task_triggers (id, project_id, task_id, trigger_type, definition) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET project_id = EXCLUDED.project_id, task_id = EXCLUDED.task_id,
         trigger_type = EXCLUDED.trigger_type, definition = EXCLUDED.definition`,
      [trigger.id, trigger.projectId, trigger.taskId, trigger.triggerType, JSON.stringify(trigger)],
    );
    return trigger;
  }

  /** true when a trigger was removed. */
  async remove(id: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM task_triggers WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async get(id: string): Promise<TaskTrigger | undefined> {
    const [row] = await this.db.query<TriggerRow>('SELECT id, definition FROM task_triggers WHERE id = $1', [id]);
    return row && this.definitionOf(row);
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
      `INSERT INTO trigger_dead_letters (key, trigger_id, action, error, attempts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [input.key, input.triggerId, JSON.stringify(input.action ?? null), input.error, input.attempts],
    );
    return rows.length > 0;
  }

  async deadLetters(filter: { triggerId?: string } = {}): Promise<TriggerDeadLetter[]> {
    const rows = filter.triggerId === undefined
      ? await this.db.query<DeadLetterRow>('SELECT * FROM trigger_dead_letters ORDER BY created_at, key')
      : await this.db.query<DeadLetterRow>('SELECT * FROM trigger_dead_letters WHERE trigger_id = $1 ORDER BY created_at, key', [filter.triggerId]);
    return rows.map((row) => ({
      key: row.key, triggerId: row.trigger_id, action: row.action, error: row.error, attempts: Number(row.attempts), createdAt: new Date(row.created_at),
    }));
  }

  /** A stored definition that no longer parses (written by an older version) is skipped, not fatal. */
  private definitionOf(row: TriggerRow): TaskTrigger | undefined {
    const definition = typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition;
    const parsed = taskTriggerSchema.safeParse(definition);
    return parsed.success ? parsed.data : undefined;
  }
}
