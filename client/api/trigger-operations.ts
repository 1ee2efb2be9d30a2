import type { TriggerDeadLetter } from '../../db/task-triggers';
import type { TaskTrigger } from '../../domain/task-triggers';

/** Shown instead of a webhook's signing secret: secrets go into the store and never come out. */
export const REDACTED_SECRET = '(redacted)';

export interface TriggerFilter {
  projectId?: string;
  taskId?: string;
}

/** A dead letter as the API and the CLI show it (dates as ISO 8601 text). */
export type DeadLetterView = Omit<TriggerDeadLetter, 'createdAt' | 'replayedAt'> & {
  createdAt: string;
  replayedAt: string | null;
};

export interface ReplayStarted {
  key: string;
  workflowId: string;
  attempt: number;
}

/**
 * Managing task triggers and replaying their dead letters: the gateway's /v1/task-triggers
 * routes and the CLI's `triggers` commands. One implementation works on the store (and
 * Temporal, for replays), one goes through the gateway; both fail with the same ApiErrors.
 */
export interface TriggerOperations {
  /** Creates or replaces trigger `id`; the body's `id` must be `id` or absent. */
  put(id: string, body: unknown): Promise<TaskTrigger>;
  list(filter: TriggerFilter): Promise<TaskTrigger[]>;
  get(id: string): Promise<TaskTrigger>;
  remove(id: string): Promise<void>;
  deadLetters(filter: { triggerId?: string }): Promise<DeadLetterView[]>;
  replay(key: string): Promise<ReplayStarted>;
}

export function redactSecrets(trigger: TaskTrigger): TaskTrigger {
  return {
    ...trigger,
    actions: trigger.actions.map((action) =>
      action.type === 'webhook' ? { ...action, secret: REDACTED_SECRET } : action,
    ),
  };
}

export function deadLetterView(letter: TriggerDeadLetter): DeadLetterView {
  return { ...letter, createdAt: letter.createdAt.toISOString(), replayedAt: letter.replayedAt?.toISOString() ?? null };
}
