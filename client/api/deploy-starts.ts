import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  DEPLOYMENT_WORKFLOW_TYPE,
  deploymentWorkflowId,
  deployQueueWorkflowId,
  type DeploymentInput,
  type DeploymentsConfig,
  type DeploymentStatus,
} from '../../domain/deploy/deploy-types';
import { resolveDeploymentTarget } from '../../domain/deploy/deploy-plan';
import { clonePlain } from '../../domain/plain-data';
import { InputError } from '../../domain/validation';
import { deployQueueStatusQuery, type DeployQueueView } from '../../workflows/deploy/deploy-messages';
import {
  DeployEnvironment,
  DeploymentStatus as DeploymentStatusKey,
  DeployService,
} from '../../workflows/search-attributes';
import type { DeployStartParsed } from './deploy-operations';
import { ApiError, badInput } from './errors';
import type { Caller } from './operations';
import { withinDeadline } from './temporal-deadline';
import { translate } from './temporal-errors';

/** What a new deployment shows until its workflow says more (also its first DeploymentStatus search attribute): DeploymentState's first status. */
export const INITIAL_DEPLOYMENT_STATUS: DeploymentStatus = 'queued';

/** How long the queue may take to say whether it is busy (it needs a worker to answer). */
const QUEUE_QUERY_MS = 5_000;

/** The config file's `deployments:` section and the folder the file is in (relative artifact paths). */
export interface DeploymentsSource {
  config: DeploymentsConfig;
  configDir: string;
}

/**
 * A start request as the workflow takes it: the service and environment must be in the config
 * file (400 naming `service` or `environment` otherwise, nothing started), the service's
 * config is copied in (editing the file changes later deployments only), and who asked is
 * the caller: the token's subject, or ARXFLOW_ACTOR / --as on Temporal directly.
 */
export function planDeployment(request: DeployStartParsed, caller: Caller, source: DeploymentsSource): DeploymentInput {
  let resolved: ReturnType<typeof resolveDeploymentTarget>;
  try {
    resolved = resolveDeploymentTarget(source.config, request.service, request.environment);
  } catch (err) {
    if (err instanceof InputError) throw badInput(err.message, err.issues);
    throw err;
  }
  return {
    service: resolved.service.name,
    environment: resolved.environment.name,
    version: request.version,
    ...(request.artifact === undefined ? {} : { artifact: request.artifact }),
    ...(request.commit === undefined ? {} : { commit: request.commit }),
    requestedBy: caller.subject,
    whenBusy: request.queue === false ? 'refuse' : 'wait',
    config: clonePlain(resolved.service),
    configDir: source.configDir,
  };
}

/**
 * Starts `deployment` under `deploy/<service>/<environment>/<version>`. The id names one
 * deployment of one version, so a repeat (a CI job retried, a second `deploy start`) answers
 * the deployment that exists, `existing: true`, whatever state it is in, and starts nothing
 * (REJECT_DUPLICATE: a version that was rolled back is not deployed again by a retried job).
 *
 * `whenBusy: 'refuse'` is checked here first, so the caller hears 409 at once rather than
 * seeing a deployment end refused: the queue `deploy-queue/<service>/<environment>` is
 * asked which deployment runs and which wait. (The workflow checks again when it joins the
 * queue: two refusing starts at the same moment cannot both run.)
 */
export async function startDeployment(
  client: Client,
  taskQueue: string,
  input: DeploymentInput,
): Promise<{ workflowId: string; existing: boolean }> {
  const workflowId = deploymentWorkflowId(input.service, input.environment, input.version);
  if (input.whenBusy === 'refuse') {
    const busy = await busyWith(client, input, workflowId);
    if (busy && !(await exists(client, workflowId))) throw busy;
  }
  try {
    await withinDeadline(client, () =>
      client.workflow.start(DEPLOYMENT_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Found in the Web UI and by `deploy status` before the workflow's first task runs.
        typedSearchAttributes: [
          { key: DeployService, value: [input.service] },
          { key: DeployEnvironment, value: [input.environment] },
          { key: DeploymentStatusKey, value: [INITIAL_DEPLOYMENT_STATUS] },
        ],
      }),
    );
    return { workflowId, existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, existing: true };
    return translate(() => Promise.reject(err));
  }
}

/** 409 naming what runs when the service and environment have another deployment running or waiting; else undefined. */
async function busyWith(client: Client, input: DeploymentInput, workflowId: string): Promise<ApiError | undefined> {
  const queueId = deployQueueWorkflowId(input.service, input.environment);
  let queue: DeployQueueView;
  try {
    queue = await translate(() =>
      withinDeadline(client, () => client.workflow.getHandle(queueId).query(deployQueueStatusQuery), QUEUE_QUERY_MS),
    );
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined; // no queue yet: nothing has ever run there
    throw err;
  }
  const others = [queue.active, ...queue.waiting].filter((id): id is string => !!id && id !== workflowId);
  if (others.length === 0) return undefined;
  const running = queue.active && queue.active !== workflowId ? `${queue.active} is running` : undefined;
  const waiting = queue.waiting.filter((id) => id !== workflowId);
  const parts = [running, waiting.length > 0 ? `${waiting.length} waiting (${waiting.join(', ')})` : undefined];
  return new ApiError(
    `${input.service}/${input.environment} is busy: ${parts.filter(Boolean).join('; ')}. ` +
      'Start it without --no-queue (queue: true) to wait in order.',
    409,
    'busy',
  );
}

async function exists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await translate(() => withinDeadline(client, () => client.workflow.getHandle(workflowId).describe()));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err instanceof ApiError && err.status === 404)) return false;
    throw err;
  }
}
