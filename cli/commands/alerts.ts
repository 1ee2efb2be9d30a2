import type { Command } from 'commander';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { ALERT_WORKFLOW_TYPE } from '../../client/api/alert-intake';
import { alertView, findAlertWorkflow, latestRuns } from '../../client/api/alert-keys';
import type { WorkflowSummary } from '../../client/api/operations';
import type { ListFilter } from '../../client/api/visibility-query';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, print, printTable } from '../output';
import { registerSilenceCommands } from './alert-silences';

const LIST_STATUSES = ['open', 'triggered', 'acknowledged', 'resolved', 'all'] as const;
type ListStatus = (typeof LIST_STATUSES)[number];

/** One line of `alerts list`: what an on-call person scans for. */
export interface AlertListRow {
  /** The alert id: what arxflow made of the sender's key (the workflow id is `alert/<dedupKey>`). */
  dedupKey: string;
  /** The key as the sender gave it (PagerDuty dedup_key, Alertmanager fingerprint); null when the alert could not be asked. */
  senderKey: string | null;
  status: string;
  severity: string | null;
  /** Highest level notified so far (0: none yet); null when the alert could not be asked. */
  level: number | null;
  summary: string | null;
  service: string | null;
  workflowId: string;
}

/**
 * `arxflow alerts ...`: act on alert workflows as an operator. Through the gateway with the
 * token's identity when ARXFLOW_URL is set, else on Temporal directly (ARXFLOW_ACTOR or
 * cli:<login>, trusted as admin). An alert is named by its alert id or by the dedup key its
 * sender gave (client/api/alert-keys.ts findAlertWorkflow).
 */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('alerts: acknowledge, resolve, escalate, show, list; silences');
  const ALERT_ARGUMENT = ['<alert>', 'the alert id (pd-…, am-…, metric-…) or the dedup key its sender gave'] as const;

  alerts
    .command('show')
    .description('an alert: status, level, who acknowledged or resolved it')
    .argument(...ALERT_ARGUMENT)
    .option('--json', 'print JSON (the status view)')
    .action(async (alert: string, options: { json?: boolean }) => {
      const view = await withCliContext(async (ctx) => {
        const workflowId = await findAlertWorkflow(ctx.operations, alert, ctx.caller);
        const { status } = await ctx.operations.describe(workflowId);
        const found = await alertView(ctx.operations, { workflowId, status }, ctx.caller);
        if (!found) throw new CliError(`${workflowId}: its run ended without a status (${status.toLowerCase()})`);
        return found;
      });
      print(options.json ? (view as unknown as Record<string, unknown>) : brief(view), !!options.json);
    });

  for (const [verb, update, description] of [
    ['ack', 'acknowledge', 'acknowledge an alert: stops its escalation'],
    ['resolve', 'resolve', 'resolve an alert by hand'],
  ] as const) {
    alerts
      .command(verb)
      .description(description)
      .argument(...ALERT_ARGUMENT)
      .option('--note <text>', 'a note for the timeline')
      .option('--json', 'print JSON')
      .action(async (alert: string, options: { note?: string; json?: boolean }) => {
        const body = options.note ? { note: options.note } : {};
        const view = await withCliContext(async (ctx) =>
          ctx.operations.update(await findAlertWorkflow(ctx.operations, alert, ctx.caller), update, body, ctx.caller),
        );
        print(options.json ? (view as Record<string, unknown>) : brief(view as AlertStatusView), !!options.json);
      });
  }

  alerts
    .command('escalate')
    .description('notify the next escalation level now')
    .argument(...ALERT_ARGUMENT)
    .option('--level <n>', 'jump to this level (1-based) of the current round')
    .option('--note <text>', 'a note for the timeline')
    .option('--json', 'print JSON')
    .action(async (alert: string, options: { level?: string; note?: string; json?: boolean }) => {
      if (options.level !== undefined && !/^[1-9]\d{0,1}$/.test(options.level))
        throw new CliError('--level: must be a level number from 1', EXIT.badInput);
      const body = {
        ...(options.level ? { level: Number(options.level) } : {}),
        ...(options.note ? { note: options.note } : {}),
      };
      const view = await withCliContext(async (ctx) =>
        ctx.operations.update(
          await findAlertWorkflow(ctx.operations, alert, ctx.caller),
          'escalateNow',
          body,
          ctx.caller,
        ),
      );
      print(options.json ? (view as Record<string, unknown>) : brief(view as AlertStatusView), !!options.json);
    });

  alerts
    .command('list')
    .description("alerts with their alert id, the sender's key, status, severity and level (newest first)")
    .option('--status <status>', `${LIST_STATUSES.join(' | ')}`, 'open')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON (a list of {dedupKey, senderKey, status, severity, level, ...})')
    .action(async (options: { status: string; limit: string; json?: boolean }) => {
      if (!(LIST_STATUSES as readonly string[]).includes(options.status)) {
        throw new CliError(`--status: must be one of ${LIST_STATUSES.join(', ')}`, EXIT.badInput);
      }
      if (!/^\d{1,4}$/.test(options.limit) || Number(options.limit) < 1 || Number(options.limit) > 1000) {
        throw new CliError('--limit: must be a number from 1 to 1000', EXIT.badInput);
      }
      const rows = await withCliContext((ctx) => listAlerts(ctx, options.status as ListStatus, Number(options.limit)));
      printTable(
        rows as unknown as Record<string, unknown>[],
        ['dedupKey', 'senderKey', 'status', 'severity', 'level', 'service', 'summary'],
        !!options.json,
      );
    });

  registerSilenceCommands(alerts);
}

/**
 * Lists the alert workflows (visibility), then asks each for its view: open ones by the
 * `status` query, closed ones by their result (the workflow returns its final view), so a
 * closed alert is never replayed on a worker just to be listed.
 */
export async function listAlerts(ctx: CliContext, status: ListStatus, limit: number): Promise<AlertListRow[]> {
  const visibility: ListFilter['status'] = status === 'resolved' || status === 'all' ? 'all' : 'open';
  const listed = await ctx.operations.list({ type: ALERT_WORKFLOW_TYPE, status: visibility, limit });
  const rows = await Promise.all(latestRuns(listed).map((summary) => rowOf(ctx, summary)));
  return rows.filter((row) => status === 'all' || status === 'open' || row.status === status);
}

async function rowOf(ctx: CliContext, summary: WorkflowSummary): Promise<AlertListRow> {
  // Unreadable ones are listed all the same, from their search attributes.
  const view = await alertView(ctx.operations, summary, ctx.caller);
  const attribute = (name: string) => {
    const value = summary.searchAttributes[name];
    return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : null;
  };
  return {
    dedupKey: view?.dedupKey ?? summary.workflowId.replace(/^alert\//, ''),
    senderKey: view?.sourceKey ?? null,
    status:
      view?.status ??
      attribute('AlertStatus') ??
      (summary.status === 'RUNNING' ? 'open' : summary.status.toLowerCase()),
    severity: view?.severity ?? attribute('Severity'),
    level: view?.level ?? null,
    summary: view?.summary ?? null,
    service: view?.service ?? attribute('Service'),
    workflowId: summary.workflowId,
  };
}

function brief(view: AlertStatusView): Record<string, unknown> {
  return {
    alert: view.dedupKey,
    sender: view.sourceKey ? `${view.sourceKey} (${view.source})` : view.source,
    status: view.status,
    severity: view.severity,
    level: `${view.level} (round ${view.round})`,
    summary: view.summary,
    ...(view.acknowledged ? { acknowledged: `${view.acknowledged.by} at ${view.acknowledged.at}` } : {}),
    ...(view.resolved ? { resolved: `${view.resolved.by} at ${view.resolved.at} (${view.resolved.reason})` } : {}),
  };
}
