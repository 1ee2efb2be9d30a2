import { DEPLOYMENT_WORKFLOW_TYPE, deploymentWorkflowId, type DeploymentInput } from '../../domain/deploy/deploy-types';
import { ANY_ROLE } from '../../domain/roles';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  DEPLOY_ACTION_RULES,
  DEPLOY_START_ROLES,
  deployStartSchema,
  type DeployAction,
  type DeployStartParsed,
} from './deploy-operations';
import { planDeployment } from './deploy-starts';
import { rejected } from './errors';
import type { MessageEntry, WorkflowEntry } from './registry';

/**
 * `deployment` through /v1/workflows and `arxflow workflows ...`: the same roles and bodies as
 * /v1/deployments (deploy-operations.ts DEPLOY_ACTION_RULES), the caller's subject and roles
 * added as `actor` and `roles`. The Signals are the Web UI's path (the workflow records a
 * refused one in its status); the Updates answer the refusal (422 here, 409 on
 * /v1/deployments). Starting belongs to POST /v1/deployments and `arxflow deploy start`
 * (they check the queue and set the search attributes); a start here works the same way
 * when the server has the config file's deployments, and is refused otherwise.
 */
const MESSAGE_NAMES: Record<DeployAction, string> = {
  approve: 'approve',
  reject: 'reject',
  promote: 'promote',
  pause: 'pause',
  resume: 'resume',
  abort: 'abort',
  rollback: 'rollback',
  'override-window': 'overrideWindow',
};

const messages = (web: boolean): Record<string, MessageEntry> =>
  Object.fromEntries(
    (Object.keys(MESSAGE_NAMES) as DeployAction[]).map((action) => {
      const rule = DEPLOY_ACTION_RULES[action];
      const description = web
        ? `Web UI path of ${MESSAGE_NAMES[action]}: a refusal is recorded in status`
        : rule.description;
      return [
        MESSAGE_NAMES[action],
        { body: rule.body, roles: rule.roles, identity: true, withRoles: true, description },
      ];
    }),
  );

export const deploymentEntry: WorkflowEntry = {
  type: DEPLOYMENT_WORKFLOW_TYPE,
  description:
    "A deployment of a service's version to an environment (deploy/<service>/<environment>/<version>): queue, quality gate, " +
    'freeze window, staging, approval, progressive steps with analysis, watch, rollback. Prefer POST /v1/deployments.',
  input: deployStartSchema,
  prepare: async (body: DeployStartParsed, caller, context) => {
    const source = context.deployments?.();
    if (!source) throw rejected('start deployments with POST /v1/deployments or `arxflow deploy start`');
    return planDeployment(body, caller, source);
  },
  workflowId: (input: DeploymentInput) => deploymentWorkflowId(input.service, input.environment, input.version),
  idReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  startRoles: DEPLOY_START_ROLES,
  updates: messages(false),
  signals: messages(true),
  queries: {
    deploymentStatus: {
      roles: ANY_ROLE,
      description: 'status, reason, stages, approvals, progress, refused messages, timeline',
    },
  },
};
