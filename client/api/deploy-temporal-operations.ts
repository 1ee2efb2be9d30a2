import type { z } from 'zod';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  DEPLOYMENT_WORKFLOW_TYPE,
  deploymentWorkflowId,
  deployQueueWorkflowId,
  type DeploymentStatus as DeploymentStatusName,
  type DeploymentView,
  type DeployReasonRequest,
} from '../../domain/deploy/deploy-types';
import { hasAnyRole, type Role } from '../../domain/roles';
import { InputError, parseInput } from '../../domain/validation';
import {
  abortUpdate,
  approveUpdate,
  deploymentStatusQuery,
  deployQueueStatusQuery,
  overrideWindowUpdate,
  pauseUpdate,
  promoteUpdate,
  rejectUpdate,
  resumeUpdate,
  rollbackUpdate,
} from '../../workflows/deploy/deploy-messages';
import { DeployEnvironment, DeploymentStatus, DeployService } from '../../workflows/search-attributes';
import {
  DEPLOY_ACTION_RULES,
  DEPLOY_START_ROLES,
  deployListSchema,
  deployStartSchema,
  type DeployAction,
  type DeployListFilter,
  type DeploymentRef,
  type DeploymentStarted,
  type DeploymentSummary,
  type DeployOperations,
  type DeployStartRequest,
} from './deploy-operations';
import { INITIAL_DEPLOYMENT_STATUS, planDeployment, startDeployment, type DeploymentsSource } from './deploy-starts';
import { ApiError, badInput, notFound } from './errors';
import type { Caller } from './operations';
import { withinDeadline } from './temporal-deadline';
import { translate } from './temporal-errors';

/** The Update each action sends (workflows/deploy/deploy-messages.ts). */
const UPDATES = {
  approve: approveUpdate,
  reject: rejectUpdate,
  promote: promoteUpdate,
  pause: pauseUpdate,
  resume: resumeUpdate,
  abort: abortUpdate,
  rollback: rollbackUpdate,
  'override-window': overrideWindowUpdate,
} as const;

/** How many deployments a lookup of "the latest" reads from visibility before sorting them by start. */
const LATEST_WINDOW = 200;
/** Visibility is written a moment after a start: a lookup that finds nothing looks again this often, this many times. */
const VISIBILITY_RETRY_MS = 250;
const VISIBILITY_RETRIES = 6;
/** A status query waits this long for a worker (a deployment's status page should not hang on a worker that is down). */
const LIVE_QUERY_MS = 10_000;

export interface TemporalDeployDeps {
  /** Or how to connect when first needed (the CLI: bad input exits 2 without a connection). */
  client: Client | (() => Promise<Client>);
  taskQueue: string;
  /**
   * The config file's deployments section, read when a start or a lookup needs it (the CLI
   * reads the file then; a broken file is exit 2 naming the field). Unset: no service is
   * configured, every start is refused naming `service`.
   */
  deployments?: () => DeploymentsSource;
}

/**
 * DeployOperations on Temporal: what the gateway serves and what the CLI does without a
 * gateway. A deployment's view is always its workflow's `deploymentStatus` query (it answers
 * after the run has ended too, while Temporal keeps the run); "the latest" is found through
 * visibility (the DeployService / DeployEnvironment search attributes), newest start first,
 * and, in the moment after a start before visibility has it, through the service's queue.
 */
export class TemporalDeployOperations implements DeployOperations {
  constructor(private readonly deps: TemporalDeployDeps) {}

  async start(request: DeployStartRequest, caller: Caller): Promise<DeploymentStarted> {
    requireRoles(caller, DEPLOY_START_ROLES, 'start a deployment');
    const parsed = validate(deployStartSchema, request, 'deployment start');
    const input = planDeployment(parsed, caller, this.source());
    const client = await this.client();
    const started = await startDeployment(client, this.deps.taskQueue, input);
    const { service, environment, version } = input;
    if (!started.existing) return { ...started, service, environment, version, status: INITIAL_DEPLOYMENT_STATUS };
    // The status it last upserted: a quick answer that needs no worker (a retried CI job should not wait on one).
    const execution = await translate(() =>
      withinDeadline(client, () => client.workflow.getHandle(started.workflowId).describe()),
    );
    const status = upsertedStatus(execution) ?? INITIAL_DEPLOYMENT_STATUS;
    return { ...started, service, environment, version, status };
  }

  async status(ref: DeploymentRef): Promise<DeploymentView> {
    return this.query(await this.find(ref));
  }

  async list(filter: DeployListFilter): Promise<DeploymentSummary[]> {
    const parsed = validate(deployListSchema, filter, 'deployment list');
    const found = await this.visible(
      { service: parsed.service, environment: parsed.environment, status: parsed.status },
      Math.max(parsed.limit, LATEST_WINDOW),
    );
    return found.slice(0, parsed.limit);
  }

  async act(ref: DeploymentRef & { version: string }, action: DeployAction, body: unknown, caller: Caller) {
    const rule = DEPLOY_ACTION_RULES[action];
    requireRoles(caller, rule.roles, `${action} a deployment`);
    const payload = {
      ...(validate(rule.body, body ?? {}, `deploy ${action}`) as object),
      actor: caller.subject,
      roles: caller.roles,
    };
    const workflowId = await this.find(ref);
    const client = await this.client();
    const { status } = await translate(() =>
      withinDeadline(client, () => client.workflow.getHandle(workflowId).describe()),
    );
    if (status.name !== 'RUNNING') throw await this.ended(workflowId, status.name);
    try {
      return await client.workflow
        .getHandle(workflowId)
        .executeUpdate(UPDATES[action], { args: [payload as DeployReasonRequest] });
    } catch (err) {
      // The workflow's validator (or handler) refused: a self-approval, a second vote, nothing to promote...
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ApiError(`${action} refused: ${err.cause?.message ?? err.message}`, 409, 'refused');
      }
      // It ended between the look above and the Update ("workflow execution already completed").
      if (err instanceof WorkflowNotFoundError) throw await this.ended(workflowId, 'COMPLETED');
      return translate(() => Promise.reject(err));
    }
  }

  /** 409: the deployment has ended, with the status its view gives (else Temporal's). */
  private async ended(workflowId: string, temporalStatus: string): Promise<ApiError> {
    const view = await this.query(workflowId).catch(() => undefined);
    return new ApiError(
      `deployment ${workflowId} has ended (${view?.status ?? temporalStatus.toLowerCase()})`,
      409,
      'ended',
    );
  }

  private async client(): Promise<Client> {
    const { client } = this.deps;
    return typeof client === 'function' ? client() : client;
  }

  private source(): DeploymentsSource {
    return this.deps.deployments?.() ?? { config: { services: [] }, configDir: process.cwd() };
  }

  private async query(workflowId: string): Promise<DeploymentView> {
    const client = await this.client();
    return translate(() =>
      withinDeadline(client, () => client.workflow.getHandle(workflowId).query(deploymentStatusQuery), LIVE_QUERY_MS),
    );
  }

  /** The workflow id `ref` means: the version's when named, else the newest started. 404 when none. */
  private async find(ref: DeploymentRef): Promise<string> {
    const { service, environment, version } = ref;
    if (environment && version) return deploymentWorkflowId(service, environment, version);
    if (version) {
      // A version's id in each configured environment: found at once, visibility or not.
      const direct = await this.newestOf(
        this.environmentsOf(service).map((env) => deploymentWorkflowId(service, env, version)),
      );
      if (direct) return direct;
    }
    for (let attempt = 0; ; attempt++) {
      const found = await this.visible({ service, environment, version }, LATEST_WINDOW);
      if (found[0]) return found[0].workflowId;
      const queued = environment ? await this.newestInQueue(service, environment) : undefined;
      if (queued) return queued;
      // Right after a start visibility may not have it yet: look again, briefly.
      if (attempt >= VISIBILITY_RETRIES || !this.isConfigured(service)) break;
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_RETRY_MS));
    }
    const where = `${service}${environment ? ` in ${environment}` : ''}${version ? ` at version ${version}` : ''}`;
    throw notFound(`no deployment of ${where}`);
  }

  /** The configured environments of the service (none when the config is unknown or broken). */
  private environmentsOf(service: string): string[] {
    try {
      const found = this.deps.deployments?.().config.services.find((candidate) => candidate.name === service);
      return found?.environments.map((env) => env.name) ?? [];
    } catch {
      return [];
    }
  }

  /** Of these workflow ids, the one started last that exists; undefined when none does. */
  private async newestOf(workflowIds: string[]): Promise<string | undefined> {
    const client = await this.client();
    const described = await Promise.all(
      workflowIds.map((workflowId) =>
        translate(() => withinDeadline(client, () => client.workflow.getHandle(workflowId).describe())).catch(
          (err: unknown) => {
            if (err instanceof ApiError && err.status === 404) return undefined;
            throw err;
          },
        ),
      ),
    );
    const found = described.filter((execution) => execution !== undefined);
    found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
    return found[0]?.workflowId;
  }

  /** Whether the config file names the service (unknown: no retries, a 404 at once). Without a config: assume so. */
  private isConfigured(service: string): boolean {
    if (!this.deps.deployments) return true;
    try {
      return this.deps.deployments().config.services.some((candidate) => candidate.name === service);
    } catch {
      return true;
    }
  }

  /** The newest deployment the service's queue knows (the last waiting, else the running one): strongly consistent. */
  private async newestInQueue(service: string, environment: string): Promise<string | undefined> {
    const client = await this.client();
    try {
      const queue = await withinDeadline(client, () =>
        client.workflow.getHandle(deployQueueWorkflowId(service, environment)).query(deployQueueStatusQuery),
      );
      return queue.waiting.at(-1) ?? queue.active;
    } catch {
      return undefined; // no queue (nothing ever ran there), or none answering: visibility's answer stands
    }
  }

  /** Deployments in visibility matching the filter, newest start first. */
  private async visible(
    filter: { service?: string; environment?: string; status?: string; version?: string },
    max: number,
  ): Promise<DeploymentSummary[]> {
    // The names were checked against deployNameSchema's alphabet (no quotes): they cannot change the query's shape.
    const clauses = [`WorkflowType = '${DEPLOYMENT_WORKFLOW_TYPE}'`];
    if (filter.service) clauses.push(`DeployService = '${filter.service}'`);
    if (filter.environment) clauses.push(`DeployEnvironment = '${filter.environment}'`);
    if (filter.status) clauses.push(`DeploymentStatus = '${filter.status}'`);
    const client = await this.client();
    const found = await translate(() =>
      withinDeadline(client, async () => {
        const rows: DeploymentSummary[] = [];
        for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) {
          rows.push(summarize(execution));
          if (rows.length >= max) break;
        }
        return rows;
      }),
    );
    return found
      .filter((row) => filter.version === undefined || row.version === filter.version)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }
}

/** One visibility row as a list shows it; service, environment and version from the id (deploy/<service>/<env>/<version>). */
function summarize(execution: Omit<WorkflowExecutionInfo, 'raw'>): DeploymentSummary {
  const attributes = execution.typedSearchAttributes;
  const first = (value: string[] | undefined) => value?.[0];
  const [, idService = '', idEnvironment = '', ...rest] = execution.workflowId.split('/');
  return {
    workflowId: execution.workflowId,
    service: first(attributes.get(DeployService)) ?? idService,
    environment: first(attributes.get(DeployEnvironment)) ?? idEnvironment,
    version: rest.join('/'),
    status: upsertedStatus(execution) ?? execution.status.name.toLowerCase(),
    startedAt: execution.startTime.toISOString(),
    closedAt: execution.closeTime?.toISOString() ?? null,
  };
}

/** The DeploymentStatus search attribute the workflow last upserted (set at start, so present from the first moment). */
function upsertedStatus(execution: Omit<WorkflowExecutionInfo, 'raw'>): DeploymentStatusName | undefined {
  return execution.typedSearchAttributes.get(DeploymentStatus)?.[0] as DeploymentStatusName | undefined;
}

function requireRoles(caller: Caller, roles: readonly Role[], action: string): void {
  if (!hasAnyRole(caller.roles, roles))
    throw new ApiError(`${action} needs role ${roles.join(' or ')}`, 403, 'forbidden');
}

function validate<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  try {
    return parseInput(schema, body, what);
  } catch (err) {
    if (err instanceof InputError) throw badInput(err.message, err.issues);
    throw err;
  }
}
