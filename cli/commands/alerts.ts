import type { Command } from 'commander';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { alertWorkflowId, isSafeDedupKey } from '../../domain/alerts/dedup';
import { ALERT_WORKFLOW_TYPE } from '../../client/api/alert-intake';
import type { WorkflowOperations, WorkflowSummary } from '../../client/api/operations';
import type { ListFilter } from '../../client/api/visibility-query';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, print, printTable } from '../output';
import { registerSilenceCommands } from './alert-silences';

const LIST_STATUSES = ['open', 'triggered', 'acknowledged', 'resolved', 'all'] as const;
type ListStatus = (typeof LIST_STATUSES)[number];

/** One line of `alerts list`: what an on-call person scans for. */
export interface AlertListRow {
  dedupKey: string;
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
 * cli:<login>, trusted as admin).
 */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('alerts: acknowledge, resolve, escalate, list; silences');

  for (const [verb, update, description] of [
    ['ack', 'acknowledge', 'acknowledge an alert: stops its escalation'],
    ['resolve', 'resolve', 'resolve an alert by hand'],
  ] as const) {
    alerts
      .command(verb)
      .description(description)
      .argument('<dedupKey>')
      .option('--note <text>', 'a note for the timeline')
      .option('--json', 'print JSON')
      .action(async (dedupKey: string, options: { note?: string; json?: boolean }) => {
        const body = options.note ? { note: options.note } : {};
        const view = await withCliContext((ctx) =>
          ctx.operations.update(workflowIdOf(dedupKey), update, body, ctx.caller),
        );
        print(options.json ? (view as Record<string, unknown>) : brief(view as AlertStatusView), !!options.json);
      });
  }

  alerts
    .command('escalate')
    .description('notify the next escalation level now')
    .argument('<dedupKey>')
    .option('--level <n>', 'jump to this level (1-based) of the current round')
    .option('--note <text>', 'a note for the timeline')
    .option('--json', 'print JSON')
    .action(async (dedupKey: string, options: { level?: string; note?: string; json?: boolean }) => {
      if (options.level !== undefined && !/^[1-9]\d{0,1}$/.test(options.level))
        throw new CliError('--level: must be a level number from 1', EXIT.badInput);
      const body = {
        ...(options.level ? { level: Number(options.level) } : {}),
        ...(options.note ? { note: options.note } : {}),
      };
      const view = await withCliContext((ctx) =>
        ctx.operations.update(workflowIdOf(dedupKey), 'escalateNow', body, ctx.caller),
      );
      print(options.json ? (view as Record<string, unknown>) : brief(view as AlertStatusView), !!options.json);
    });

  alerts
    .command('list')
    .description('alerts with their dedup key, status, severity and level (newest first)')
    .option('--status <status>', `${LIST_STATUSES.join(' | ')}`, 'open')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON (a list of {dedupKey, status, severity, level, ...})')
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
        ['dedupKey', 'status', 'severity', 'level', 'service', 'summary'],
        !!options.json,
      );
    });

  registerSilenceCommands(alerts);
}

function workflowIdOf(dedupKey: string): string {
  if (!isSafeDedupKey(dedupKey))
    throw new CliError(`${dedupKey}: not a dedup key (1 to 255 of A-Z a-z 0-9 . _ ~ -)`, EXIT.badInput);
  return alertWorkflowId(dedupKey);
}

/**
 * Lists the alert workflows (visibility), then asks each for its view: open ones by the
 * `status` query, closed ones by their result (the workflow returns its final view), so a
 * closed alert is never replayed on a worker just to be listed.
 */
export async function listAlerts(ctx: CliContext, status: ListStatus, limit: number): Promise<AlertListRow[]> {
  const visibility: ListFilter['status'] = status === 'resolved' || status === 'all' ? 'all' : 'open';
  const listed = await ctx.operations.list({ type: ALERT_WORKFLOW_TYPE, status: visibility, limit });
  // Continue-as-new leaves one closed run per retrigger: keep the newest run of each alert.
  const seen = new Set<string>();
  const latest = listed.filter((summary) => !seen.has(summary.workflowId) && seen.add(summary.workflowId));
  const rows = await Promise.all(latest.map((summary) => rowOf(ctx.operations, ctx, summary)));
  return rows.filter((row) => status === 'all' || status === 'open' || row.status === status);
}

async function rowOf(operations: WorkflowOperations, ctx: CliContext, summary: WorkflowSummary): Promise<AlertListRow> {
  let view: AlertStatusView | undefined;
  try {
    if (summary.status === 'RUNNING')
      view = (await operations.query(summary.workflowId, 'status', ctx.caller)) as AlertStatusView;
    else {
      const outcome = await operations.outcome(summary.workflowId);
      if (outcome.status === 'COMPLETED' && 'result' in outcome) view = outcome.result as AlertStatusView;
    }
  } catch {
    // Listed all the same, from its search attributes.
  }
  const attribute = (name: string) => {
    const value = summary.searchAttributes[name];
    return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : null;
  };
  return {
    dedupKey: view?.dedupKey ?? summary.workflowId.replace(/^alert\//, ''),
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
    status: view.status,
    severity: view.severity,
    level: `${view.level} (round ${view.round})`,
    summary: view.summary,
    ...(view.acknowledged ? { acknowledged: `${view.acknowledged.by} at ${view.acknowledged.at}` } : {}),
    ...(view.resolved ? { resolved: `${view.resolved.by} at ${view.resolved.at} (${view.resolved.reason})` } : {}),
  };
}
