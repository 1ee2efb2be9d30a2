import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { HttpDeployOperations } from '../../client/api/deploy-http-operations';
import {
  DEPLOY_ACTION_RULES,
  deployListSchema,
  deployNameSchema,
  deployStartSchema,
  type DeployAction,
  type DeploymentStarted,
  type DeployOperations,
} from '../../client/api/deploy-operations';
import type { DeploymentsSource } from '../../client/api/deploy-starts';
import { TemporalDeployOperations } from '../../client/api/deploy-temporal-operations';
import type { Caller } from '../../client/api/operations';
import { ENDED_DEPLOYMENT_STATUSES, type DeploymentView } from '../../domain/deploy/deploy-types';
import { versionSchema } from '../../domain/deploy/versions';
import { parseInput } from '../../domain/validation';
import { loadConfigFile } from '../../platform/config-file';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, print, printSection, printTable } from '../output';
import { mintFor } from '../gateway-target';

/** How often `start --wait` looks again. */
const POLL_MS = 1_000;
/** Tokens the CLI mints for `--as` through a found service live this long (as cli/gateway-target.ts's). */

interface ActingOptions {
  as?: string;
  role: string[];
}
interface TargetOptions extends ActingOptions {
  env?: string;
  json?: boolean;
}

const collect = (value: string, all: string[]) => [...all, value];

/**
 * `arxflow deploy start|status|list|approve|reject|promote|pause|resume|abort|rollback|override-window`:
 * deployments of the config file's services, through the gateway when there is one (ARXFLOW_URL,
 * or the running service of the data dir), else on Temporal directly (the config file read
 * here). Exit codes: 0 done or accepted (`start --wait`: only when it ends succeeded), 1
 * refused or ended badly, 2 bad input (nothing started).
 */
export function registerDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description(
      'deployments: start, status, list, approve, reject, promote, pause, resume, abort, rollback, override-window',
    );

  deploy
    .command('start')
    .description(
      "deploy a service's version (default: to its first environment; one named with --env after the ones it comes after)",
    )
    .argument('<service>')
    .argument('<version>', 'a semantic version such as 1.4.2')
    .option('--env <environment>', "one of the service's environments")
    .option('--commit <sha>', 'the commit the version was built from (quality gate)')
    .option(
      '--artifact <ref>',
      "instead of the target's artifact: a path (made absolute when it exists here), URL or image",
    )
    .option(
      '--no-queue',
      'refuse (exit 1) when another deployment of the service and environment runs, instead of waiting',
    )
    .option('--wait', 'wait for it to end: exit 0 succeeded, 1 otherwise')
    .option('--as <userId>', 'who starts it (direct mode); through the gateway, the token subject')
    .option('--role <role>', 'a role to act with besides admin (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: {workflowId, service, environment, version, status}')
    .action(async (service: string, version: string, options: TargetOptions & StartOptions) => {
      const request = parseInput(
        deployStartSchema,
        {
          service,
          version,
          queue: options.queue,
          ...(options.env === undefined ? {} : { environment: options.env }),
          ...(options.commit === undefined ? {} : { commit: options.commit }),
          ...(options.artifact === undefined ? {} : { artifact: localArtifact(options.artifact) }),
        },
        'deploy start',
      );
      await withDeploys(options, async (ops, caller) => {
        const started = await ops.start(request, caller);
        if (!options.wait) return print(startedShape(started), !!options.json);
        if (!options.json) console.error(`${started.existing ? 'following' : 'started'} ${started.workflowId}`);
        const view = await waitForEnd(ops, started);
        printDeployment(view, !!options.json);
        if (view.status !== 'succeeded') {
          throw new CliError(`deployment ${view.workflowId} ${view.status}${view.reason ? `: ${view.reason}` : ''}`);
        }
      });
    });

  deploy
    .command('status')
    .description(
      "a service's latest deployment (in an environment, or of a version): status, reason, stages, approvals",
    )
    .argument('<service>')
    .option('--env <environment>')
    .option('--version <version>', "this version's deployment rather than the latest")
    .option('--json', 'print JSON: {workflowId, service, environment, version, status, reason, stages, approvals}')
    .action(async (service: string, options: { env?: string; version?: string; json?: boolean }) => {
      const ref = {
        service: parseInput(deployNameSchema, service, 'service'),
        ...(options.env === undefined ? {} : { environment: parseInput(deployNameSchema, options.env, '--env') }),
        ...(options.version === undefined ? {} : { version: parseInput(versionSchema, options.version, '--version') }),
      };
      const view = await withDeploys({ role: [] }, (ops) => ops.status(ref));
      printDeployment(view, !!options.json);
    });

  deploy
    .command('list')
    .description('deployments, newest first')
    .option('--service <service>')
    .option('--env <environment>')
    .option('--status <status>', 'queued | validating | waiting_window | ... | rolled_back | rejected | failed')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { service?: string; env?: string; status?: string; limit: string; json?: boolean }) => {
      const filter = parseInput(
        deployListSchema,
        { service: options.service, environment: options.env, status: options.status, limit: options.limit },
        'deploy list',
      );
      const deployments = await withDeploys({ role: [] }, (ops) => ops.list(filter));
      printTable(
        deployments as never,
        ['workflowId', 'service', 'environment', 'version', 'status', 'startedAt', 'closedAt'],
        !!options.json,
      );
    });

  for (const action of ['approve', 'reject'] as const) {
    actionCommand(deploy, action)
      .option('--comment <text>', 'for the audit')
      .option('--as <userId>', 'who decides (direct mode); through the gateway, the token subject')
      .option('--role <role>', 'a reviewer role to act with (direct mode; repeatable)', collect, [] as string[]);
  }
  for (const action of ['promote', 'pause', 'resume'] as const) {
    actionCommand(deploy, action)
      .option('--as <userId>', 'who acts (direct mode)')
      .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[]);
  }
  for (const action of ['abort', 'rollback', 'override-window'] as const) {
    actionCommand(deploy, action)
      .requiredOption('--reason <text>', 'why (audited)')
      .option('--as <userId>', 'who acts (direct mode)')
      .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[]);
  }
}

interface StartOptions {
  commit?: string;
  artifact?: string;
  queue: boolean;
  wait?: boolean;
}

/** `deploy <action> <service> <version> [--env]`: the action's Update as the caller; exit 1 when the deployment refuses. */
function actionCommand(deploy: Command, action: DeployAction): Command {
  return deploy
    .command(action)
    .description(DEPLOY_ACTION_RULES[action].description)
    .argument('<service>')
    .argument('<version>')
    .option('--env <environment>', "the deployment's environment (default: the version's latest deployment)")
    .option('--json', 'print JSON: the deployment after the action')
    .action(
      async (service: string, version: string, options: TargetOptions & { comment?: string; reason?: string }) => {
        if (action === 'override-window' && options.env === undefined) {
          throw new CliError(
            '--env: required for override-window (name the environment whose window to override)',
            EXIT.badInput,
          );
        }
        const ref = {
          service: parseInput(deployNameSchema, service, 'service'),
          version: parseInput(versionSchema, version, 'version'),
          ...(options.env === undefined ? {} : { environment: parseInput(deployNameSchema, options.env, '--env') }),
        };
        const body = parseInput(
          DEPLOY_ACTION_RULES[action].body,
          {
            ...(options.comment === undefined ? {} : { comment: options.comment }),
            ...(options.reason === undefined ? {} : { reason: options.reason }),
          },
          `deploy ${action}`,
        );
        const view = await withDeploys(options, (ops, caller) => ops.act(ref, action, body, caller));
        printDeployment(view, !!options.json);
      },
    );
}

/** Through the gateway when there is one, else Temporal with the config file's deployments. */
export async function withDeploys<T>(
  options: ActingOptions,
  work: (ops: DeployOperations, caller: Caller) => Promise<T>,
): Promise<T> {
  return withCliContext(async (ctx) => {
    const caller = acting(ctx, options);
    if (ctx.gateway) {
      const tokenFor = ctx.mintsTokens ? mintFor(ctx.settings) : undefined;
      return work(new HttpDeployOperations(ctx.gateway, tokenFor), caller);
    }
    const ops = new TemporalDeployOperations({
      client: async () => (await ctx.temporal()).client,
      taskQueue: ctx.settings.taskQueue,
      deployments: () => deploymentsOf(ctx.settings.configFile),
    });
    return work(ops, caller);
  });
}

/** The config file's deployments section (a broken file: exit 2 naming the field) and its folder. */
function deploymentsOf(configFile: string): DeploymentsSource {
  return { config: loadConfigFile(configFile).deployments, configDir: path.dirname(path.resolve(configFile)) };
}

/** Who acts: in direct mode and through a found service (the CLI mints a token per caller) `--as`/`--role` say; through ARXFLOW_URL, the token's subject. */
function acting(ctx: CliContext, options: ActingOptions): Caller {
  if (ctx.gateway && !ctx.mintsTokens) {
    if (options.as) throw new CliError("--as: through the gateway you act as your token's subject", EXIT.badInput);
    return ctx.caller;
  }
  return { subject: options.as ?? ctx.caller.subject, roles: [...ctx.caller.roles, ...(options.role ?? [])] };
}

/** A path typed on the command line means a file here, not in the config file's folder: made absolute when it exists. */
function localArtifact(artifact: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(artifact) || path.isAbsolute(artifact)) return artifact;
  return existsSync(artifact) ? path.resolve(artifact) : artifact;
}

async function waitForEnd(ops: DeployOperations, started: DeploymentStarted): Promise<DeploymentView> {
  const ref = { service: started.service, environment: started.environment, version: started.version };
  for (;;) {
    const view = await ops.status(ref);
    if (ENDED_DEPLOYMENT_STATUSES.includes(view.status)) return view;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The contract's start answer: {workflowId, service, environment, version, status}. */
function startedShape(started: DeploymentStarted) {
  const { workflowId, service, environment, version, status } = started;
  return { workflowId, service, environment, version, status };
}

/** The contract's status answer: the start's shape plus reason, stages and approvals. */
export function deploymentShape(view: DeploymentView) {
  const { workflowId, service, environment, version, status, reason, stages, approvals } = view;
  return { workflowId, service, environment, version, status, reason, stages, approvals };
}

function printDeployment(view: DeploymentView, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(deploymentShape(view), null, 2));
    return;
  }
  printSection('Deployment', {
    fields: {
      workflowId: view.workflowId,
      status: view.status,
      ...(view.reason ? { reason: view.reason } : {}),
      version: view.version,
      ...(view.previousVersion ? { previousVersion: view.previousVersion } : {}),
      requestedBy: view.requestedBy,
      startedAt: view.startedAt,
      updatedAt: view.updatedAt,
      ...(view.queue
        ? { queue: `position ${view.queue.position}${view.queue.ahead ? ` after ${view.queue.ahead}` : ''}` }
        : {}),
      ...(view.window?.opensAt ? { windowOpensAt: view.window.opensAt } : {}),
      ...(view.progress
        ? {
            progress: `step ${view.progress.step} of ${view.progress.steps.join(' -> ')}%, weight ${view.progress.weight}%`,
          }
        : {}),
      ...(view.progress?.pausedBy ? { pausedBy: view.progress.pausedBy } : {}),
      ...(view.watch ? { watchUntil: view.watch.until } : {}),
    },
  });
  printSection('Stages', {
    rows: view.stages.map((stage) => ({ ...stage })),
    columns: ['name', 'environment', 'status', 'startedAt', 'endedAt', 'detail'],
  });
  if (view.approvals) {
    const { quorum, users, roles, deadline, votes } = view.approvals;
    const who = [...users, ...roles.map((role) => `role ${role}`)].join(', ');
    printSection(
      `Approvals: ${votes.filter((vote) => vote.decision === 'approve').length} of ${quorum} (${who}), until ${deadline}`,
      {
        rows: votes.map((vote) => ({ ...vote })),
        columns: ['actor', 'decision', 'comment', 'at'],
      },
    );
  }
  if (view.refused.length > 0) {
    printSection('Refused', {
      rows: view.refused.map((entry) => ({ ...entry })),
      columns: ['at', 'kind', 'actor', 'reason'],
    });
  }
}
