import type { ChaosCount } from './scenario';
import { tally } from './tally';
import type { ChaosWorld } from './world';
import {
  alertKeyOf,
  alertSummaryOf,
  applicantOf,
  commitMessageOf,
  COMMITS_PER_DOCUMENT,
  documentIdOf,
  gateIdOf,
  planIdOf,
  RELEASED_PER_GATE,
  withCorrections,
  WORKLOAD_KINDS,
  type WorkloadFixtures,
  type WorkloadOutcome,
  type WorkloadPlan,
} from './workload';
import { countDeployments } from './deployments';
import { countPipelines } from './pipelines';
import { FIRST_LEVEL, SECOND_LEVEL } from './world';

const ALERT_TITLE = (plan: WorkloadPlan, i: number) => `[CRITICAL] ${alertSummaryOf(plan, i)}`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function expectedEmails(plan: WorkloadPlan): string[] {
  return [
    ...range(plan.alerts).flatMap((i) => [
      `${FIRST_LEVEL.email}|${ALERT_TITLE(plan, i)}`,
      `${SECOND_LEVEL.email}|${ALERT_TITLE(plan, i)}`,
    ]),
    ...range(plan.reviews).flatMap((i) => [
      ...(withCorrections(i) ? [`${applicantOf(plan, i)}|Plan ${planIdOf(plan, i)}: corrections required`] : []),
      `${applicantOf(plan, i)}|Plan ${planIdOf(plan, i)}: approved`,
    ]),
  ];
}

export function expectedSlackPosts(plan: WorkloadPlan): string[] {
  return range(plan.alerts).flatMap((i) => [
    `${FIRST_LEVEL.slack}|${alertKeyOf(plan, i)}`,
    `${SECOND_LEVEL.slack}|${alertKeyOf(plan, i)}`,
  ]);
}

/**
 * Emails as a mailbox shows them: one per Message-ID (RFC 5322's identity of a message, which
 * mail clients and stores fold on). SMTP offers no idempotency: a worker killed between the
 * server's 250 and the delivery record sends again on retry, under the Message-ID derived from
 * the delivery key (activities/notifications/deliver.ts), so a repeat with the same Message-ID
 * is one email to its reader and counts once; a second email with another Message-ID is a
 * duplicate. The raw repeats are named by a check (repeatedEmails).
 */
export function observedEmails(world: ChaosWorld): string[] {
  const seen = new Set<string>();
  return world.smtp.messages().flatMap((mail) =>
    mail.to.flatMap((to) => {
      const identity = `${to}|${mail.headers['message-id'] ?? ''}`;
      if (seen.has(identity)) return [];
      seen.add(identity);
      return [`${to}|${mail.subject}`];
    }),
  );
}

export function observedSlackPosts(world: ChaosWorld): string[] {
  return world.slack
    .calls('chat.postMessage')
    .filter((call) => call.outcome === 'ok')
    .map((call) => `${String(call.params.channel)}|${/chaos-[0-9a-z]+-\d+/.exec(String(call.params.text))?.[0]}`);
}

/**
 * Emails the SMTP stand-in got more than once for one step, with their Message-IDs: a send cut
 * off between the SMTP answer and the delivery record (a SIGKILL in that window) is sent again
 * by the retry, under the same Message-ID derived from the delivery key.
 */
function repeatedEmails(world: ChaosWorld, plan: WorkloadPlan) {
  const expected = new Set(expectedEmails(plan));
  const byKey = new Map<string, string[]>();
  for (const mail of world.smtp.messages())
    for (const to of mail.to) {
      const key = `${to}|${mail.subject}`;
      if (expected.has(key)) byKey.set(key, [...(byKey.get(key) ?? []), mail.headers['message-id'] ?? '']);
    }
  return [...byKey.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([key, ids]) => ({ key, times: ids.length, messageIds: [...new Set(ids)] }));
}

/** Disbursements in the ledger, one expected per gate, each of the expected amount. */
async function ledgerRows(world: ChaosWorld, plan: WorkloadPlan) {
  const ids = range(plan.funding).map((i) => gateIdOf(plan, i));
  const payouts = await world.store.db.query<{ workflow_id: string; amount: string; status: string }>(
    "SELECT workflow_id, amount::text AS amount, status FROM ledger_payouts WHERE direction = 'pay' AND workflow_id = ANY($1)",
    [ids],
  );
  const disbursements = await world.store.db.query<{ workflow_id: string }>(
    "SELECT workflow_id FROM ledger_transactions WHERE kind = 'disbursement' AND workflow_id = ANY($1)",
    [ids],
  );
  return { ids, payouts, disbursements };
}

/** Every commit the plan makes, as `<documentId>|<message>`. */
export function expectedCommits(plan: WorkloadPlan): string[] {
  return range(plan.documents).flatMap((i) =>
    range(COMMITS_PER_DOCUMENT).map((step) => `${documentIdOf(plan, i)}|${commitMessageOf(plan, i, step + 1)}`),
  );
}

/** The commits in the documents' histories, read from the store's rows. */
async function observedCommits(world: ChaosWorld, plan: WorkloadPlan): Promise<string[]> {
  const rows = await world.store.db.query<{ document_id: string; message: string }>(
    'SELECT document_id, message FROM sync_commits WHERE in_history AND document_id = ANY($1)',
    [range(plan.documents).map((i) => documentIdOf(plan, i))],
  );
  return rows.map((row) => `${row.document_id}|${row.message}`);
}

export interface EffectCounts {
  counts: ChaosCount[];
  checks: { name: string; ok: boolean; detail?: string }[];
}

/** The scenario's table: workflows, ledger, emails, Slack, document commits, pipelines, deployments; and the checks beyond counts. */
export async function countEffects(
  world: ChaosWorld,
  plan: WorkloadPlan,
  fixtures: WorkloadFixtures,
  outcome: WorkloadOutcome,
): Promise<EffectCounts> {
  const total = WORKLOAD_KINDS.reduce((sum, kind) => sum + plan[kind], 0);
  const done = WORKLOAD_KINDS.reduce((sum, kind) => sum + outcome.completed[kind], 0);
  const pipelines = await countPipelines(world, fixtures.pipelines);
  const deployments = await countDeployments(world, fixtures.deployments);
  const { ids, payouts, disbursements } = await ledgerRows(world, plan);
  const counts: ChaosCount[] = [
    { what: 'workflows completed as expected', expected: total, observed: done, duplicates: 0, lost: total - done },
    tally(
      'ledger payouts (done, expected amount)',
      ids,
      payouts.filter((p) => p.status === 'done' && Number(p.amount) === RELEASED_PER_GATE).map((p) => p.workflow_id),
    ),
    tally(
      'ledger disbursement transactions',
      ids,
      disbursements.map((d) => d.workflow_id),
    ),
    tally('emails at the SMTP stand-in (one per Message-ID)', expectedEmails(plan), observedEmails(world)),
    tally('Slack messages at the Slack stand-in', expectedSlackPosts(plan), observedSlackPosts(world)),
    tally('document commits in the store', expectedCommits(plan), await observedCommits(world, plan)),
    ...pipelines.counts,
    ...deployments.counts,
  ];
  const repeated = repeatedEmails(world, plan);
  const alertTexts = world.slack.messages().filter((m) => /chaos-[0-9a-z]+-\d+/.test(m.text ?? ''));
  const unresolved = alertTexts.filter((m) => !/resolved/i.test(m.text ?? ''));
  const audit = await world.store.audit.verify();
  // Half-written postings would show as a transaction whose entries do not sum to zero, or one without entries.
  const unbalanced = await world.store.db.query<{ id: string }>(
    `SELECT t.id::text AS id FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
     GROUP BY t.id HAVING count(e.id) < 2 OR coalesce(sum(e.amount), 0) <> 0`,
  );
  const checks = [
    {
      name: 'every workflow ended with the expected result',
      ok: outcome.failures.length === 0 && done === total,
      ...(outcome.failures.length ? { detail: outcome.failures.slice(0, 5).join('; ') } : {}),
    },
    {
      name: 'posted Slack alert messages updated to resolved (chat.update)',
      ok: unresolved.length === 0,
      detail: `${alertTexts.length - unresolved.length} of ${alertTexts.length}`,
    },
    {
      name: 'ledger balanced (every transaction has entries summing to zero)',
      ok: unbalanced.length === 0,
      ...(unbalanced.length ? { detail: `${unbalanced.length} unbalanced` } : {}),
    },
    {
      name: 'an email the SMTP stand-in got again (a kill after its 250) repeats its Message-ID',
      ok: repeated.every((r) => r.messageIds.length === 1),
      detail: repeated.length ? repeated.map((r) => `${r.key} x${r.times}`).join('; ') : 'no email sent again',
    },
    {
      name: 'audit hash chain intact',
      ok: audit.ok,
      ...(audit.ok ? {} : { detail: JSON.stringify(audit).slice(0, 200) }),
    },
    ...pipelines.checks,
    ...deployments.checks,
  ];
  return { counts, checks };
}
