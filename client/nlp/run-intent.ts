import { complianceReviewId } from '../../domain/compliance/review';
import { fundingGateId } from '../../domain/funding/gate-input';
import type { GateStatusView } from '../../domain/funding/gate';
import { commandFor, DEFAULT_PIPELINE_REF, SPOKEN_REJECT_REASON } from '../../domain/nlp/command-line';
import type { Translation } from '../../domain/nlp/nlp-types';
import { ALERT_WORKFLOW_TYPE } from '../api/alert-intake';
import { alertView, findAlertWorkflow, latestRuns } from '../api/alert-keys';
import type { DeployOperations } from '../api/deploy-operations';
import { badInput, rejected } from '../api/errors';
import type { Caller, WorkflowOperations } from '../api/operations';
import type { PipelineOperations } from '../api/pipeline-operations';
import type { SyncOperations } from '../api/sync-operations';

/**
 * Where a translation runs: the operations the CLI commands (and the gateway) use, and the
 * caller they act as, so the workflows' own rules (four eyes, reviewers, roles) decide as
 * they do for the typed command. Areas with their own operations are opened on use.
 */
export interface IntentServices {
  caller: Caller;
  operations: WorkflowOperations;
  deploys<T>(work: (ops: DeployOperations) => Promise<T>): Promise<T>;
  syncs<T>(work: (ops: SyncOperations) => Promise<T>): Promise<T>;
  pipelines<T>(work: (ops: PipelineOperations) => Promise<T>): Promise<T>;
  /** A repository as `pipeline run` takes it (the CLI: a path made absolute); as written when absent. */
  repoLocation?(repo: string): string;
}

export interface IntentRun {
  /** The command line that ran: the translation's, with what was found filled in (an alert id, a full commit id). */
  command: string;
  /** What the operation answered (the same object the command's --json prints its fields from). */
  result: unknown;
}

/** How many of a document's newest commits a commit-id prefix is looked up in. */
const PREFIX_SEARCH = 200;

/**
 * Runs a translation as `services.caller`. Refuses (400) an `unknown` or a translation with no
 * command, and what is not built yet; refuses (422) an approval whose spoken amount is not the
 * draw's requested total, and an alert named only by its service when that service has not
 * exactly one open alert. Confirmation is the surface's job (CLI prompt, Slack button): this
 * runs what it is given.
 */
export async function runIntent(translation: Translation, services: IntentServices): Promise<IntentRun> {
  const { caller, operations } = services;

  switch (translation.intent) {
    case 'unknown':
      throw badInput(`nothing to run: the text is not an arxflow command${warningsOf(translation)}`);
    case 'compliance.check':
      throw badInput(`${translation.intent} by plan id is not built yet${warningsOf(translation)}`);
    case 'alerts.ack':
    case 'alerts.resolve':
    case 'sync.revert':
      translation = await resolveIntent(translation, services);
      break;
    default:
      break;
  }
  if (translation.command === null) throw badInput(`nothing to run${warningsOf(translation)}`);
  const a = translation.args as Record<string, string | number | undefined>;
  const s = (key: string) => a[key] as string;
  const command = translation.command;
  const ran = (result: unknown): IntentRun => ({ command, result });

  switch (translation.intent) {
    case 'funding.status':
      return ran(await operations.query(gateOf(a), 'status', caller));
    case 'funding.approve': {
      if (a.amount !== undefined) {
        const status = (await operations.query(gateOf(a), 'status', caller)) as GateStatusView;
        if (status.requestedTotal !== a.amount) {
          throw rejected(
            `amount: the draw ${s('projectId')} ${s('milestoneId')} requests ${status.requestedTotal} minor units, ` +
              `not ${a.amount}: nothing approved`,
          );
        }
      }
      return ran(await operations.update(gateOf(a), 'decide', { decision: 'approve' }, caller));
    }
    case 'funding.reject':
      return ran(
        await operations.update(gateOf(a), 'decide', { decision: 'reject', reasonCode: SPOKEN_REJECT_REASON }, caller),
      );
    case 'alerts.list':
      return ran(await openAlerts(services, a));
    case 'alerts.ack':
    case 'alerts.resolve': {
      const workflowId = await findAlertWorkflow(operations, s('alertId'), caller);
      const update = translation.intent === 'alerts.ack' ? 'acknowledge' : 'resolve';
      return ran(await operations.update(workflowId, update, {}, caller));
    }
    case 'sync.revert':
      return ran(await services.syncs((ops) => ops.revert(s('documentId'), { commitId: s('commitId') }, caller)));
    case 'deploy.start':
      return ran(
        await services.deploys((ops) =>
          ops.start(
            {
              service: s('service'),
              version: s('version'),
              ...(a.environment === undefined ? {} : { environment: s('environment') }),
            },
            caller,
          ),
        ),
      );
    case 'deploy.approve':
      return ran(
        await services.deploys((ops) =>
          ops.act({ service: s('service'), version: s('version') }, 'approve', {}, caller),
        ),
      );
    case 'deploy.rollback':
      return ran(
        await services.deploys((ops) =>
          ops.act(
            { service: s('service'), version: s('version') },
            'rollback',
            { reason: 'requested in natural language' },
            caller,
          ),
        ),
      );
    case 'deploy.status':
      return ran(await services.deploys((ops) => ops.status({ service: s('service') })));
    case 'sync.log':
      return ran(await services.syncs((ops) => ops.log(s('documentId'), { limit: 50 })));
    case 'pipeline.run': {
      const repo = services.repoLocation ? services.repoLocation(s('repo')) : s('repo');
      const ref = a.ref === undefined ? DEFAULT_PIPELINE_REF : s('ref');
      return ran(await services.pipelines((ops) => ops.start({ repo, ref }, caller)));
    }
    case 'pipeline.status':
      return ran(await services.pipelines((ops) => ops.list({ repo: s('repo'), limit: 1 })));
    case 'compliance.status':
      return ran(await operations.query(complianceReviewId(s('planId')), 'status', caller));
    case 'workflows.list': {
      const status = a.status === undefined ? 'all' : a.status === 'running' ? 'open' : 'closed';
      return ran(
        await operations.list({ status, limit: 50, ...(a.projectId === undefined ? {} : { project: s('projectId') }) }),
      );
    }
    default:
      throw badInput(`${translation.intent}: no runner`);
  }
}

/**
 * What the text named loosely, made exact from the running service before anything is shown
 * for confirmation: an alert named only by its service is that service's one open alert
 * (422 for none or several), a commit id prefix the document's one matching commit (400
 * otherwise). The command is written again from the exact args; other translations as given.
 */
export async function resolveIntent(translation: Translation, services: IntentServices): Promise<Translation> {
  const args = translation.args as Record<string, string | undefined>;
  let exact: Record<string, unknown> | undefined;
  if ((translation.intent === 'alerts.ack' || translation.intent === 'alerts.resolve') && !args.alertId) {
    if (!args.service) throw badInput(`args.alertId: name the alert${warningsOf(translation)}`);
    exact = { alertId: await onlyOpenAlert(services, args.service) };
  }
  if (translation.intent === 'sync.revert') {
    if (!args.commitId) throw badInput(`args.commitId: name the commit${warningsOf(translation)}`);
    const commitId = await services.syncs((ops) => fullCommitId(ops, args.documentId!, args.commitId!));
    if (commitId !== args.commitId) exact = { ...args, commitId };
  }
  if (!exact) return translation;
  // The warnings about the loose name are answered; the engine's own stay.
  const warnings = (translation.warnings ?? []).filter((w) => !/^name the |full commit id/.test(w));
  const { warnings: _answered, ...rest } = translation;
  return {
    ...rest,
    args: exact,
    command: commandFor(translation.intent, exact),
    ...(warnings.length ? { warnings } : {}),
  };
}

/** An alert's open alerts, as `lookup` shows them: [{alertId, status, severity, service, summary}]. */
export async function openAlerts(
  services: Pick<IntentServices, 'operations' | 'caller'>,
  filter: { status?: unknown; severity?: unknown; service?: unknown } = {},
): Promise<
  { alertId: string; status: string; severity: string | null; service: string | null; summary: string | null }[]
> {
  const { operations, caller } = services;
  const wanted = (filter.status as string | undefined) ?? 'open';
  const visibility = wanted === 'open' ? 'open' : 'all';
  const listed = latestRuns(await operations.list({ type: ALERT_WORKFLOW_TYPE, status: visibility, limit: 200 }));
  const views = await Promise.all(listed.map((summary) => alertView(operations, summary, caller)));
  return views
    .filter((view): view is NonNullable<typeof view> => view !== undefined && view !== null)
    .filter((view) => (wanted === 'open' ? view.status !== 'resolved' : view.status === wanted))
    .filter((view) => filter.severity === undefined || view.severity === filter.severity)
    .filter((view) => filter.service === undefined || view.service === filter.service)
    .map((view) => ({
      alertId: view.dedupKey,
      status: view.status,
      severity: view.severity ?? null,
      service: view.service ?? null,
      summary: view.summary ?? null,
    }));
}

async function onlyOpenAlert(services: IntentServices, service: string): Promise<string> {
  const open = await openAlerts(services, { service });
  if (open.length !== 1) {
    throw rejected(
      open.length === 0
        ? `alertId: service ${service} has no open alert`
        : `alertId: service ${service} has ${open.length} open alerts (${open.map((x) => x.alertId).join(', ')}): name one`,
    );
  }
  return open[0]!.alertId;
}

/** A commit id prefix (7+ hex) as the full id among the document's newest commits; exactly one must match. */
async function fullCommitId(ops: SyncOperations, documentId: string, prefix: string): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(prefix)) return prefix;
  const page = await ops.log(documentId, { limit: PREFIX_SEARCH });
  const matches = page.commits.filter((commit) => commit.commitId.startsWith(prefix));
  if (matches.length !== 1) {
    throw badInput(
      `args.commitId: ${prefix} matches ${matches.length === 0 ? 'no' : matches.length} commits of ${documentId}` +
        (matches.length === 0 ? ` among its newest ${PREFIX_SEARCH}` : ': give more of it'),
    );
  }
  return matches[0]!.commitId;
}

function gateOf(a: Record<string, unknown>): string {
  return fundingGateId({ projectId: a.projectId as string, milestoneId: a.milestoneId as string });
}

function warningsOf(translation: Translation): string {
  return translation.warnings?.length ? `: ${translation.warnings.join('; ')}` : '';
}
