import type { GateStatusView } from '../../domain/funding/gate';
import type { ReleaseTotals } from '../../domain/funding/retainage';
import { formatMoney } from '../../domain/funding/money';
import { ledgerAccounts } from '../../db/ledger';
import { printSection } from '../output';

/**
 * `arxflow funding status` as text: a header, then the refusals (a signal from the Web UI
 * cannot say it was refused, so they come first), then one table per section: the release
 * per line, conditions and evidence, approvals and votes, clocks, the ledger posting, the
 * timeline. Amounts in the draw's currency; times as the gate recorded them (UTC).
 */
export function printGateStatus(view: GateStatusView): void {
  const money = (minor: number | undefined) => (minor === undefined ? '-' : formatMoney(minor, view.currency));
  const { conditions, approvals, release, payment } = view;

  printSection(`funding-gate/${view.projectId}/${view.milestoneId}: ${view.status}`, {
    fields: {
      requested: `${money(view.requestedTotal)} by ${view.requestedBy}`,
      ...(view.onHold ? { 'on hold': `since ${view.onHold.since} by ${view.onHold.by}: ${view.onHold.reason}` } : {}),
      ...(view.program ? { program: `${view.program.programId} version ${view.program.version}` } : {}),
    },
  });

  printSection('Refusals (newest first)', {
    rows: view.refusals.map((r) => ({ at: r.at, who: r.actor, message: r.message, what: r.detail, why: r.reason })),
    columns: ['at', 'who', 'message', 'what', 'why'],
  });

  printSection(
    release
      ? `Release per line (project ${release.projectPercentComplete}% complete)`
      : 'Release per line: computed once the draw is approved',
    {
      rows: release
        ? [
            ...release.lines.map((line) => ({
              line: line.lineId,
              description: line.description,
              requested: money(line.requested),
              approved: money(line.approved),
              'retainage %': line.retainageRate,
              held: money(line.retainageHeld),
              'released now': money(line.releasedNow),
              remaining: money(line.remaining),
            })),
            {
              line: 'total',
              requested: money(release.totals.requested),
              approved: money(release.totals.approved),
              held: money(release.totals.retainageHeld),
              'released now': money(release.totals.releasedNow),
              remaining: money(release.totals.remaining),
            },
          ]
        : [],
      columns: ['line', 'description', 'requested', 'approved', 'retainage %', 'held', 'released now', 'remaining'],
    },
  );

  const outstanding = conditions.blockingOutstanding.length ? conditions.blockingOutstanding.join(', ') : 'none';
  printSection(`Conditions (${conditions.evidenceCount} evidence; blocking outstanding: ${outstanding})`, {
    rows: conditions.conditions.map((c) => ({
      id: c.id,
      type: c.type,
      mode: c.mode,
      status: c.status,
      note: c.waiver ? `waived by ${c.waiver.by}: ${c.waiver.comment}` : c.note,
    })),
    columns: ['id', 'type', 'mode', 'status', 'note'],
  });

  const stage = approvals.currentStage ? ` (stage ${approvals.currentStage})` : '';
  const approved = approvals.approvedTotal === undefined ? '' : `, ${money(approvals.approvedTotal)} approved`;
  printSection(`Approvals: ${approvals.state}${stage}${approved}`, {
    rows: approvals.stages.map((s) => ({
      stage: s.name,
      status: s.status,
      approvals: `${s.approvals} of ${s.quorum}`,
      users: s.users.join(', ') || '-',
      roles: s.roles.join(', ') || '-',
    })),
    columns: ['stage', 'status', 'approvals', 'users', 'roles'],
  });
  printSection('Votes', {
    rows: approvals.votes.map((v) => ({
      at: v.at,
      who: v.actor,
      stage: v.stage,
      decision: v.decision,
      counted: v.counted ? 'yes' : 'no (stage reset)',
      comment: [v.reasonCode, v.comment].filter(Boolean).join(': ') || '-',
    })),
    columns: ['at', 'who', 'stage', 'decision', 'counted', 'comment'],
  });

  printSection('Clocks', {
    fields: {
      'waiting on approvers': `${duration(view.clock.waitingMs)}${view.clock.paused ? ' (paused)' : ''}`,
      'reminders sent': view.clock.remindersSent,
      'SLA escalated': view.clock.escalated ? 'yes' : 'no',
      'unconditional waiver overdue': view.unconditionalWaiverOverdue ? 'yes' : 'no',
      ...(conditions.releaseAt ? { 'conditions judged as of': conditions.releaseAt } : {}),
    },
  });

  printSection(
    payment
      ? `Ledger posting: transaction ${payment.transactionId}, provider reference ${payment.providerRef ?? '- (nothing moved)'}`
      : 'Ledger posting: none yet (posted when the release is paid)',
    {
      rows: payment && release ? postingRows(view.projectId, release.totals, money) : [],
      columns: ['posting', 'amount', 'account'],
    },
  );

  printSection('Timeline', {
    rows: view.timeline.map((e) => ({ at: e.at, by: e.by, event: e.event, detail: e.detail })),
    columns: ['at', 'by', 'event', 'detail'],
  });
}

/** What the disbursement posted (activities/funding-payments.ts): the payee's share, and the retainage held back. */
function postingRows(projectId: string, totals: ReleaseTotals, money: (minor: number) => string) {
  return [
    { posting: 'released to the payee', amount: money(totals.releasedNow), account: "the payee's payable" },
    {
      posting: 'retainage held',
      amount: money(totals.retainageHeld),
      account: ledgerAccounts.projectRetainage(projectId),
    },
  ];
}

/** 93784000 -> "1d 2h 3m"; under a minute in seconds. */
function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  const parts: [number, string][] = [
    [Math.floor(minutes / 1440), 'd'],
    [Math.floor((minutes % 1440) / 60), 'h'],
    [minutes % 60, 'm'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}
