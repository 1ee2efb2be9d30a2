import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { currencySchema, formatMoney, minorUnitsSchema } from '../domain/funding/money';
import {
  InsufficientFundsError,
  Ledger,
  LedgerError,
  ledgerAccounts,
  type EntryRequest,
  type NewPayout,
  type Payout,
  type TransactionKind,
} from '../db/ledger';
import type { SqlExecutor } from '../db/sql';
import type { Store } from '../db/store';
import { FundingPrograms } from '../db/funding-programs';
import { parseActivityInput } from './activity-input';
import { heartbeating } from './heartbeat';

/**
 * Moves released money to payees and back, exactly once per release.
 *
 * Order of a disbursement (and, the same way, of a reversal):
 *   1. ONE database transaction: claim `<workflowId>/release/<n>` (idempotency_keys), post
 *      the ledger transaction (refused, with nothing written, when the project's funding
 *      would go negative), record the payout as `pending_provider`, append the audit event.
 *   2. provider.pay with the same key.
 *   3. Mark the payout `done` with the provider's reference (plus an audit event, once).
 * The ledger goes first because the balance check must happen before any money leaves, and
 * a committed `pending_provider` row is evidence that survives a crash. A crash after 2 and
 * before 3 makes the retry skip 1 (the key is claimed) and call the provider again with
 * the same key, which the provider must treat as the same payment (every real payment API
 * takes an idempotency key for this); after 3 the retry does not call the provider at all.
 * Each activity heartbeats while it runs (heartbeating), so the gate's short heartbeat
 * timeout finds a worker that died mid-payment in seconds and the retry runs elsewhere.
 */

export interface PaymentProvider {
  /** Must be idempotent by `idempotencyKey`: the same key returns the same payment, never a second one. */
  pay(request: {
    idempotencyKey: string;
    payeeId: string;
    amount: number;
    currency: string;
    memo: string;
    /** Aborted when the activity is cancelled (a client that takes one should stop waiting). */
    signal?: AbortSignal;
  }): Promise<{ providerRef: string }>;
  /** Idempotent by `idempotencyKey` too. `providerRef` is the payment being reversed. */
  reverse(request: {
    idempotencyKey: string;
    providerRef: string;
    amount: number;
    signal?: AbortSignal;
  }): Promise<{ providerRef: string }>;
}

/**
 * Thrown by a provider that refuses a payment for good (closed account, payee not verified):
 * retrying cannot help. Any other error is treated as transient and retried with the same key.
 */
export class PaymentRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentRefusedError';
  }
}

/** No payment rail: the ledger is the record, and the reference is derived from the key. */
export const ledgerOnlyProvider: PaymentProvider = {
  async pay({ idempotencyKey }) {
    return { providerRef: `ledger:${idempotencyKey}` };
  },
  async reverse({ idempotencyKey }) {
    return { providerRef: `ledger:${idempotencyKey}` };
  },
};

export interface FundingPaymentDeps {
  store: Store;
  ledger?: Ledger;
  provider?: PaymentProvider;
}

const idSegment = z
  .string({ error: 'must be an id' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { error: 'must be letters, digits, ".", "_", ":" or "-" (no "/")' })
  .max(200);

const workflowIdSchema = z.string({ error: 'must be a workflow id' }).min(1, { error: 'must not be empty' }).max(400);
const releaseNumberSchema = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .positive({ error: 'must be 1 or more' });

export const disburseRequestSchema = z
  .object({
    workflowId: workflowIdSchema,
    releaseNumber: releaseNumberSchema,
    projectId: idSegment,
    payeeId: idSegment,
    currency: currencySchema,
    releasedNow: minorUnitsSchema,
    retainageHeld: minorUnitsSchema,
    memo: z.string({ error: 'must be a text' }).max(500),
    /** Where the money comes from: the funding account (a progress draw) or the held retainage (a retainage release). */
    source: z.enum(['funding', 'retainage']).default('funding'),
  })
  .strict()
  .refine((r) => r.source === 'funding' || r.retainageHeld === 0, {
    error: 'a retainage release holds nothing back',
    path: ['retainageHeld'],
  })
  .refine((r) => r.releasedNow + r.retainageHeld > 0, {
    error: 'nothing to disburse: releasedNow and retainageHeld are both 0',
    path: ['releasedNow'],
  })
  .refine((r) => Number.isSafeInteger(r.releasedNow + r.retainageHeld), {
    error: 'releasedNow + retainageHeld is beyond the largest exact amount',
    path: ['retainageHeld'],
  });

export type DisburseRequest = z.input<typeof disburseRequestSchema>;

export const reverseReleaseRequestSchema = z
  .object({
    workflowId: workflowIdSchema,
    releaseNumber: releaseNumberSchema,
    reason: z.string({ error: 'must be a text' }).trim().min(1, { error: 'a reason is required' }).max(500),
    actor: z.string({ error: 'must be an identity' }).trim().min(1, { error: 'must not be empty' }).max(200),
  })
  .strict();

export type ReverseReleaseRequest = z.input<typeof reverseReleaseRequestSchema>;

export const fundProjectRequestSchema = z
  .object({
    /** Unique per deposit (a bank transfer id, `<workflowId>/funding/<n>`): a repeated deposit is posted once. */
    idempotencyKey: z.string({ error: 'must be a key' }).min(1, { error: 'must not be empty' }).max(400),
    projectId: idSegment,
    amount: minorUnitsSchema.refine((amount) => amount > 0, { error: 'must be more than 0' }),
    currency: currencySchema,
    memo: z.string({ error: 'must be a text' }).max(500),
    /** Name of the external source account (external/<source>); default deposits-<currency>. */
    source: idSegment.optional(),
    workflowId: workflowIdSchema.optional(),
    actor: z.string().trim().min(1).max(200).default('system:funding-payments'),
  })
  .strict();

export type FundProjectRequest = z.input<typeof fundProjectRequestSchema>;

export interface PaymentResult {
  transactionId: number;
  /** The provider's reference; null when the provider moved nothing (everything was retained). */
  providerRef: string | null;
  /** false when an earlier attempt already posted this release (a retry). */
  firstRun: boolean;
}

export interface FundingResult {
  transactionId: number;
  firstRun: boolean;
  /** The funding account's balance right after the deposit, in minor units. */
  balance: number;
}

const SYSTEM_ACTOR = 'system:funding-payments';

/** What one release or reversal posts, records for the provider and audits (postPayout adds the key and run). */
interface PayoutPosting {
  kind: TransactionKind;
  memo: string;
  entries: EntryRequest[];
  payout: Omit<NewPayout, 'key' | 'workflowId'>;
  audit: { actor: string; action: string; data: Record<string, unknown> };
}

export function createFundingPaymentActivities({
  store,
  ledger = new Ledger(store.db),
  provider = ledgerOnlyProvider,
}: FundingPaymentDeps) {
  const payees = new FundingPrograms(store.db, store.audit);
  /** Steps 2 and 3 of the order above, shared by disbursements and reversals. */
  async function settleWithProvider(
    payout: Payout,
    callProvider: () => Promise<{ providerRef: string }>,
  ): Promise<string | null> {
    if (payout.status === 'done') return payout.providerRef;
    const { providerRef } = await callProvider();
    const done = await ledger.completePayout(payout.key, providerRef, (tx) =>
      store.audit.append(
        {
          actor: SYSTEM_ACTOR,
          action: payout.direction === 'pay' ? 'funding.payment.sent' : 'funding.payment.reversed',
          subject: payout.key,
          workflowId: payout.workflowId,
          data: { providerRef, amount: payout.amount, currency: payout.currency, payeeId: payout.payeeId },
        },
        tx,
      ),
    );
    return done.providerRef;
  }

  /** The refusal is final for this release number: the money goes back, and the gate decides what next. */
  function undoRefusedPayout(payout: Payout, refusal: string): Promise<Payout> {
    return ledger.refusePayout(payout.key, refusal, (tx) =>
      store.audit.append(
        {
          actor: SYSTEM_ACTOR,
          action: 'funding.payment.refused',
          subject: payout.key,
          workflowId: payout.workflowId,
          data: {
            refusal,
            amount: payout.amount,
            retainage: payout.retainage,
            currency: payout.currency,
            payeeId: payout.payeeId,
          },
        },
        tx,
      ),
    );
  }

  /**
   * Step 1 of the order above, shared by disbursements and reversals: in ONE database
   * transaction, claim `key`, post the ledger transaction `prepare` describes (it may refuse
   * first, nothing written), record its payout as the provider's to settle, and append the
   * audit event (with the transaction's id). A claimed key is not posted again.
   */
  function postPayout(
    key: string,
    workflowId: string,
    prepare: (tx: SqlExecutor) => Promise<PayoutPosting>,
  ): Promise<{ firstRun: boolean }> {
    return failuresForWorkflow(() =>
      store.idempotency.runOnce(key, async (tx) => {
        const posting = await prepare(tx);
        const posted = await ledger.post(tx, {
          key,
          kind: posting.kind,
          workflowId,
          memo: posting.memo,
          entries: posting.entries,
        });
        await ledger.recordPayout(tx, { key, workflowId, ...posting.payout });
        const { actor, action, data } = posting.audit;
        await store.audit.append(
          { actor, action, subject: key, workflowId, data: { ...data, transactionId: posted.id } },
          tx,
        );
        return { transactionId: posted.id };
      }),
    );
  }

  async function storedPayout(key: string): Promise<Payout> {
    const payout = await ledger.payout(key);
    // The claim and the payout row commit together, so a claimed key without one is a bug.
    if (!payout) throw ApplicationFailure.nonRetryable(`${key} is claimed but has no payout record`, 'UnknownPayout');
    return payout;
  }

  return {
    disburse: (request: DisburseRequest): Promise<PaymentResult> => heartbeating((signal) => disburse(request, signal)),
    reverseRelease: (request: ReverseReleaseRequest): Promise<PaymentResult> =>
      heartbeating((signal) => reverseRelease(request, signal)),
    fundProject: (request: FundProjectRequest): Promise<FundingResult> => heartbeating(() => fundProject(request)),
  };

  async function disburse(request: DisburseRequest, signal: AbortSignal): Promise<PaymentResult> {
    const req = parseActivityInput(disburseRequestSchema, request, 'disburse');
    const key = `${req.workflowId}/release/${req.releaseNumber}`;
    const funding = ledgerAccounts.projectFunding(req.projectId);
    const retainage = ledgerAccounts.projectRetainage(req.projectId);
    const payable = ledgerAccounts.payeePayable(req.payeeId);
    const from = req.source === 'retainage' ? retainage : funding;

    const claim = await postPayout(key, req.workflowId, async (tx) => {
      // Checked again when the money moves (in the claim, so a retry of a claimed release
      // is not re-judged): a payee removed while the draw ran is not paid.
      if (!(await payees.isRegisteredPayee(req.projectId, req.payeeId, tx))) {
        throw ApplicationFailure.nonRetryable(
          `payee ${req.payeeId} is not (or no longer) a registered payee of project ${req.projectId}: nothing was paid`,
          'PaymentRefused',
        );
      }
      // Created in id order, like the ledger's row locks, so concurrent first releases never deadlock.
      await ensureInOrder(ledger, tx, req.currency, [
        [funding, 'funding'],
        [retainage, 'retainage'],
        [payable, 'payable'],
      ]);
      return {
        kind: req.source === 'retainage' ? 'retainage_release' : 'disbursement',
        memo: req.memo,
        entries: [...movement(from, payable, req.releasedNow), ...movement(funding, retainage, req.retainageHeld)],
        payout: {
          direction: 'pay',
          projectId: req.projectId,
          payeeId: req.payeeId,
          amount: req.releasedNow,
          retainage: req.retainageHeld,
          currency: req.currency,
          reversesKey: null,
        },
        audit: {
          actor: SYSTEM_ACTOR,
          action: 'funding.released',
          data: {
            projectId: req.projectId,
            payeeId: req.payeeId,
            releaseNumber: req.releaseNumber,
            currency: req.currency,
            releasedNow: req.releasedNow,
            retainageHeld: req.retainageHeld,
            memo: req.memo,
          },
        },
      };
    });

    const payout = await storedPayout(key);
    refuseDifferentRelease(payout, req);
    if (payout.status === 'refused') throw paymentRefused(payout);
    const providerRef = await settleWithProvider(payout, async () => {
      try {
        return await provider.pay({
          idempotencyKey: key,
          payeeId: req.payeeId,
          amount: req.releasedNow,
          currency: req.currency,
          memo: req.memo,
          signal,
        });
      } catch (err) {
        if (!(err instanceof PaymentRefusedError)) throw err;
        const settled = await undoRefusedPayout(payout, err.message);
        // An earlier attempt that timed out may have completed the payment meanwhile:
        // then it stands, and the refusal of this late duplicate call changes nothing.
        if (settled.status === 'done' && settled.providerRef !== null) return { providerRef: settled.providerRef };
        throw paymentRefused(settled);
      }
    });
    return { transactionId: payout.transactionId, providerRef, firstRun: claim.firstRun };
  }

  /**
   * Compensation for a release: a reversal transaction that mirrors the release's entries
   * (payable and retainage back to funding), refused when the payee's payable (or the
   * retainage) no longer holds that money, then provider.reverse with its own key.
   */
  async function reverseRelease(request: ReverseReleaseRequest, signal: AbortSignal): Promise<PaymentResult> {
    const req = parseActivityInput(reverseReleaseRequestSchema, request, 'reverseRelease');
    const releaseKey = `${req.workflowId}/release/${req.releaseNumber}`;
    const key = `${req.workflowId}/reversal/${req.releaseNumber}`;

    const claim = await postPayout(key, req.workflowId, async (tx) => {
      const release = await settledRelease(ledger, releaseKey, tx);
      const released = await ledger.transaction(releaseKey, tx);
      return {
        kind: 'reversal',
        memo: `reversal of release ${req.releaseNumber}: ${req.reason}`,
        entries: (released?.entries ?? []).map((entry) => ({ accountId: entry.accountId, amount: -entry.amount })),
        payout: {
          direction: 'reverse',
          projectId: release.projectId,
          payeeId: release.payeeId,
          amount: release.amount,
          retainage: release.retainage,
          currency: release.currency,
          reversesKey: releaseKey,
        },
        audit: {
          actor: req.actor,
          action: 'funding.release.reversed',
          data: {
            releaseNumber: req.releaseNumber,
            reason: req.reason,
            projectId: release.projectId,
            payeeId: release.payeeId,
            currency: release.currency,
            releasedNow: release.amount,
            retainageHeld: release.retainage,
          },
        },
      };
    });

    const reversal = await storedPayout(key);
    const release = await storedPayout(releaseKey);
    const providerRef = await settleWithProvider(reversal, () => {
      // A release the provider moved money for is only `done` with its reference (settledRelease checked it).
      if (release.providerRef === null)
        throw ApplicationFailure.nonRetryable(`${releaseKey} has no provider reference`, 'PayoutPending');
      return provider.reverse({
        idempotencyKey: key,
        providerRef: release.providerRef,
        amount: reversal.amount,
        signal,
      });
    });
    return { transactionId: reversal.transactionId, providerRef, firstRun: claim.firstRun };
  }

  /** Deposits money into a project's funding account from an external source, once per key. */
  async function fundProject(request: FundProjectRequest): Promise<FundingResult> {
    const req = parseActivityInput(fundProjectRequestSchema, request, 'fundProject');
    const accountId = ledgerAccounts.projectFunding(req.projectId);
    return failuresForWorkflow(() =>
      store.db.transaction(async (tx) => {
        await ledger.ensureAccount(accountId, 'funding', req.currency, tx);
        const source = req.source === undefined ? undefined : ledgerAccounts.external(req.source);
        const posted = await ledger.fund(accountId, req.amount, req.idempotencyKey, req.memo, {
          source,
          workflowId: req.workflowId,
          tx,
        });
        if (posted.firstRun) {
          await store.audit.append(
            {
              actor: req.actor,
              action: 'funding.deposited',
              subject: accountId,
              workflowId: req.workflowId,
              data: {
                amount: req.amount,
                currency: req.currency,
                key: req.idempotencyKey,
                transactionId: posted.id,
                memo: req.memo,
              },
            },
            tx,
          );
        }
        return { transactionId: posted.id, firstRun: posted.firstRun, balance: await ledger.balance(accountId, tx) };
      }),
    );
  }
}

export type FundingPaymentActivities = ReturnType<typeof createFundingPaymentActivities>;

/** Moving `amount` from one account to another: a credit and a debit (none when the amount is 0). */
function movement(from: string, to: string, amount: number) {
  return amount === 0
    ? []
    : [
        { accountId: from, amount: -amount },
        { accountId: to, amount },
      ];
}

async function ensureInOrder(
  ledger: Ledger,
  tx: SqlExecutor,
  currency: string,
  accounts: [string, 'funding' | 'retainage' | 'payable'][],
) {
  for (const [id, kind] of [...accounts].sort(([a], [b]) => (a < b ? -1 : 1)))
    await ledger.ensureAccount(id, kind, currency, tx);
}

/** The payout of a release that can be reversed: it exists and its provider payment is confirmed. */
async function settledRelease(ledger: Ledger, releaseKey: string, tx: SqlExecutor): Promise<Payout> {
  const release = await ledger.payout(releaseKey, tx);
  if (!release || release.direction !== 'pay') {
    throw ApplicationFailure.nonRetryable(`${releaseKey} was never disbursed: nothing to reverse`, 'ReleaseNotFound');
  }
  // Reversing before the provider confirmed could return money that was never paid out, or
  // leave a payment behind with no ledger record: finish the disbursement first.
  if (release.status === 'refused') {
    throw ApplicationFailure.nonRetryable(
      `${releaseKey} was refused by the payment provider and undone: nothing to reverse`,
      'ReleaseNotFound',
    );
  }
  if (release.status !== 'done') {
    throw ApplicationFailure.nonRetryable(
      `${releaseKey} is not confirmed by the payment provider yet: run disburse for it to completion before reversing`,
      'PayoutPending',
    );
  }
  return release;
}

function paymentRefused(payout: Payout): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the payment provider refused ${payout.key} (${formatMoney(payout.amount, payout.currency)} to ${payout.payeeId}): ${payout.refusal}; the ledger posting was undone`,
    'PaymentRefused',
    { key: payout.key, refusal: payout.refusal },
  );
}

/** A retried release number must be the same release: other amounts under the same key are a workflow bug. */
function refuseDifferentRelease(payout: Payout, req: z.output<typeof disburseRequestSchema>): void {
  const differs =
    payout.direction !== 'pay' ||
    payout.projectId !== req.projectId ||
    payout.payeeId !== req.payeeId ||
    payout.currency !== req.currency ||
    payout.amount !== req.releasedNow ||
    payout.retainage !== req.retainageHeld;
  if (differs) {
    throw ApplicationFailure.nonRetryable(
      `${payout.key} was already disbursed as ${formatMoney(payout.amount, payout.currency)} to ${payout.payeeId} ` +
        `(${formatMoney(payout.retainage, payout.currency)} retained); a release number cannot be reused for other amounts`,
      'IdempotencyConflict',
    );
  }
}

/**
 * Business refusals become non-retryable failures with a type the workflow can branch on
 * (InsufficientFunds, CurrencyMismatch, ...); anything else (the database is down) stays
 * retryable.
 */
async function failuresForWorkflow<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InsufficientFundsError) {
      throw ApplicationFailure.nonRetryable(err.message, 'InsufficientFunds', {
        accountId: err.accountId,
        balance: err.balance,
        requested: err.requested,
        currency: err.currency,
      });
    }
    if (err instanceof LedgerError) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  }
}
