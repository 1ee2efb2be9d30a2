import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { Store } from '../../db/store';
import { TaskTriggers, type TriggerDeadLetter } from '../../db/task-triggers';
import { triggerReplayWorkflowId } from '../../domain/task-triggers';
import { triggerActionRefusal } from '../../domain/trigger-rules';
import { InputError } from '../../domain/validation';
import type { replayTriggerAction } from '../../workflows';
import { ApiError, notFound, rejected } from './errors';
import { translate } from './temporal-errors';
import {
  deadLetterView,
  redactSecrets,
  type ReplayStarted,
  type TriggerFilter,
  type TriggerOperations,
} from './trigger-operations';

export interface StoreTriggerDeps {
  store: Store;
  /** Opened only for a replay: managing triggers needs the store alone. */
  temporal: () => Promise<Client>;
  taskQueue: string;
  /** Who acts, for the audit trail: the token's subject, or the CLI user. */
  actor: string;
}

/** TriggerOperations on the store; replays start a workflow. Changes are written to the audit chain with the trigger. */
export class StoreTriggerOperations implements TriggerOperations {
  private readonly triggers: TaskTriggers;

  constructor(private readonly deps: StoreTriggerDeps) {
    this.triggers = new TaskTriggers(deps.store.db);
  }

  async put(id: string, body: unknown) {
    const { store, actor } = this.deps;
    const document = withPathId(id, body);
    return store.db.transaction(async (tx) => {
      const trigger = redactSecrets(await this.triggers.upsert(document, tx));
      await store.audit.append({ actor, action: 'task_trigger.put', subject: trigger.id, data: { trigger } }, tx);
      return trigger;
    });
  }

  async list(filter: TriggerFilter) {
    return (await this.triggers.list(filter)).map(redactSecrets);
  }

  async get(id: string) {
    const trigger = await this.triggers.get(id);
    if (!trigger) throw notFound(`no task trigger ${id}`);
    return redactSecrets(trigger);
  }

  async remove(id: string) {
    const { store, actor } = this.deps;
    await store.db.transaction(async (tx) => {
      if (!(await this.triggers.remove(id, tx))) throw notFound(`no task trigger ${id}`);
      await store.audit.append({ actor, action: 'task_trigger.delete', subject: id }, tx);
    });
  }

  async deadLetters(filter: { triggerId?: string }) {
    return (await this.triggers.deadLetters(filter)).map(deadLetterView);
  }

  /**
   * Starts attempt n+1 of replaying the dead letter. Refused (409) once it was replayed, while
   * a replay runs, and when the same attempt was started a moment ago (a double click).
   */
  async replay(key: string): Promise<ReplayStarted> {
    let letter = await this.replayable(key);
    const client = await this.deps.temporal();
    const { workflowId, attempt } = await translate(async () => {
      if (letter.replayWorkflowId !== null) {
        if (await isRunning(client, letter.replayWorkflowId)) throw replayStarted(key, letter.replayWorkflowId);
        letter = await this.replayable(key); // it may have finished since we looked
      }
      const next = {
        attempt: letter.replayAttempts + 1,
        workflowId: triggerReplayWorkflowId(key, letter.replayAttempts + 1),
      };
      try {
        await client.workflow.start<typeof replayTriggerAction>('replayTriggerAction', {
          taskQueue: this.deps.taskQueue,
          workflowId: next.workflowId,
          args: [{ deadLetterKey: key, attempt: next.attempt }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // That attempt exists (a double click, or a start whose bookkeeping was cut off):
        // noting it lets the next request, once it has closed, go on to the next attempt.
        await this.triggers.recordReplayStart(key, next.workflowId, next.attempt);
        throw replayStarted(key, next.workflowId);
      }
      return next;
    });
    // The replay notes itself too; this covers a replay cut off before its first step.
    await this.triggers.recordReplayStart(key, workflowId, attempt);
    await this.deps.store.audit.append({
      actor: this.deps.actor,
      action: 'task_trigger.dead_letter.replay',
      subject: key,
      workflowId,
      data: { attempt },
    });
    return { key, workflowId, attempt };
  }

  private async replayable(key: string): Promise<TriggerDeadLetter> {
    const letter = await this.triggers.deadLetter(key);
    if (!letter) throw notFound(`no dead letter ${key}`);
    if (letter.replayedAt !== null) {
      throw new ApiError(
        `dead letter ${key} was already replayed by ${letter.replayWorkflowId} (${letter.replayOutcome})`,
        409,
        'already_replayed',
      );
    }
    if ((letter.action as { type?: unknown } | null)?.type === 'unresolved') {
      throw rejected(
        `dead letter ${key} is an action the event could not fill (${letter.error}); a replay would fail the same way`,
      );
    }
    // Recorded before the trigger rules existed: the replay would refuse it too (runTriggerAction).
    const refusal = triggerActionRefusal(letter.action as Parameters<typeof triggerActionRefusal>[0]);
    if (refusal) throw rejected(`dead letter ${key} breaks a trigger rule and is not replayed: ${refusal}`);
    return letter;
  }
}

const RESERVED_ID = 'dead-letters';

/** The body's `id` may be left out (the path says it) but must not say otherwise. */
function withPathId(id: string, body: unknown): unknown {
  const refuse = (path: string, message: string) =>
    new InputError(`task trigger: ${path}: ${message}`, [{ path, message }]);
  if (id === RESERVED_ID)
    throw refuse('id', `"${RESERVED_ID}" is reserved (GET /v1/task-triggers/${RESERVED_ID} lists dead letters)`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body; // the schema names it
  // PostgreSQL's text and jsonb cannot hold U+0000.
  if (hasNul(body)) throw refuse('(root)', 'must not contain NUL characters');
  const given = (body as { id?: unknown }).id;
  if (given === undefined) return { ...body, id };
  if (given !== id) throw refuse('id', `is ${JSON.stringify(given)} but the path names trigger ${JSON.stringify(id)}`);
  return body;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => key.includes('\0') || hasNul(item));
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false; // started but never reached Temporal, or expired
    throw err;
  }
}

const replayStarted = (key: string, workflowId: string) =>
  new ApiError(`dead letter ${key}: replay ${workflowId} was already started`, 409, 'replay_in_progress');
