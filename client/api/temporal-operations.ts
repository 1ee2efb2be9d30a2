import { WorkflowFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { hasAnyRole } from '../../domain/roles';
import { parseInput, InputError } from '../../domain/validation';
import { ApiError, badInput, notFound } from './errors';
import type { Caller, WorkflowOperations, WorkflowOutcome, WorkflowSummary } from './operations';
import { registryEntry, type MessageEntry, type StartContext, type WorkflowEntry } from './registry';
import { translate } from './temporal-errors';
import { withinDeadline } from './temporal-deadline';
import { visibilityQuery, type ListFilter } from './visibility-query';

export class TemporalOperations implements WorkflowOperations {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly startContext: StartContext = {},
  ) {}

  async start(type: string, input: unknown, caller: Caller) {
    const entry = this.entry(type);
    requireRoles(caller, entry.startRoles, `start ${type}`);
    const parsed = validate(entry.input, input, `${type} input`);
    const workflowInput = entry.prepare ? await entry.prepare(parsed as never, caller, this.startContext) : parsed;
    const workflowId = entry.workflowId(workflowInput as never);
    return this.quick(async () => {
      const handle = await this.client.workflow.start(type, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [workflowInput],
        workflowIdReusePolicy: entry.idReusePolicy,
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    });
  }

  async describe(workflowId: string) {
    return this.quick(async () => summarize(await this.client.workflow.getHandle(workflowId).describe()));
  }

  async list(filter: ListFilter) {
    return this.quick(async () => {
      const found: WorkflowSummary[] = [];
      for await (const execution of this.client.workflow.list({ query: visibilityQuery(filter) || undefined })) {
        found.push(summarize(execution));
        if (found.length >= filter.limit) break;
      }
      return found;
    });
  }

  async signal(workflowId: string, name: string, body: unknown, caller: Caller) {
    const { message } = await this.message(workflowId, 'signals', name);
    requireRoles(caller, message.roles, `signal ${name}`);
    const payload = withIdentity(message, validate(message.body, body, `${name} signal`), caller);
    await this.quick(() => this.client.workflow.getHandle(workflowId).signal(name, payload));
  }

  // Updates, queries and results wait for a worker, so they have no short deadline: the describe
  // before each (through workflowOf) is what finds an unreachable Temporal quickly.
  async update(workflowId: string, name: string, body: unknown, caller: Caller) {
    const { message } = await this.message(workflowId, 'updates', name);
    requireRoles(caller, message.roles, `update ${name}`);
    const payload = withIdentity(message, validate(message.body, body, `${name} update`), caller);
    return translate(() => this.client.workflow.getHandle(workflowId).executeUpdate(name, { args: [payload] }));
  }

  async query(workflowId: string, name: string, caller: Caller) {
    const { entry } = await this.workflowOf(workflowId);
    const query = Object.hasOwn(entry.queries, name) ? entry.queries[name] : undefined;
    if (!query) throw notFound(`${entry.type} has no query ${name}`);
    requireRoles(caller, query.roles, `query ${name}`);
    return translate(() => this.client.workflow.getHandle(workflowId).query(name));
  }

  async outcome(workflowId: string): Promise<WorkflowOutcome> {
    const { status } = await this.describe(workflowId);
    if (status === 'RUNNING') return { status };
    try {
      return { status: 'COMPLETED', result: await this.client.workflow.getHandle(workflowId).result() };
    } catch (err) {
      if (err instanceof WorkflowFailedError) return { status, failure: err.cause?.message ?? err.message };
      throw err;
    }
  }

  /** A call Temporal answers at once: an unreachable Temporal is a 503 within QUICK_CALL_MS. */
  private quick<T>(call: () => Promise<T>): Promise<T> {
    return translate(() => withinDeadline(this.client, call));
  }

  private entry(type: string): WorkflowEntry {
    const entry = registryEntry(type);
    if (!entry) throw notFound(`no workflow type ${type} is available through the API`);
    return entry;
  }

  private async workflowOf(workflowId: string) {
    const { type } = await this.describe(workflowId);
    return { entry: this.entry(type) };
  }

  private async message(workflowId: string, kind: 'signals' | 'updates', name: string) {
    const { entry } = await this.workflowOf(workflowId);
    const message: MessageEntry | undefined = Object.hasOwn(entry[kind], name) ? entry[kind][name] : undefined;
    if (!message) throw notFound(`${entry.type} accepts no ${kind === 'signals' ? 'signal' : 'update'} ${name}`);
    return { entry, message };
  }
}

function requireRoles(caller: Caller, roles: readonly string[], action: string) {
  if (!hasAnyRole(caller.roles, roles as never))
    throw new ApiError(`${action} needs role ${roles.join(' or ')}`, 403, 'forbidden');
}

function validate(schema: Parameters<typeof parseInput>[0], body: unknown, what: string) {
  try {
    return parseInput(schema, body, what);
  } catch (err) {
    if (err instanceof InputError) throw badInput(err.message, err.issues);
    throw err;
  }
}

/** The identity is the caller's, never a field of the body (the body schemas refuse `actor`). */
function withIdentity(message: MessageEntry, payload: unknown, caller: Caller) {
  if (!message.identity) return payload;
  return { ...(payload as object), actor: caller.subject, ...(message.withRoles ? { roles: caller.roles } : {}) };
}

function summarize(execution: Omit<WorkflowExecutionInfo, 'raw'>): WorkflowSummary {
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    type: execution.type,
    status: execution.status.name,
    taskQueue: execution.taskQueue,
    startTime: execution.startTime.toISOString(),
    closeTime: execution.closeTime?.toISOString() ?? null,
    searchAttributes: Object.fromEntries(
      execution.typedSearchAttributes
        .getAll()
        .filter((p) => p.key.name !== 'BuildIds')
        .map((p) => [p.key.name, p.value]),
    ),
  };
}
