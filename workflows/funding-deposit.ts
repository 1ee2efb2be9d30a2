import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { depositInputSchema, type DepositInput } from '../domain/funding/deposit';
import type { FundingPaymentActivities, FundingResult } from '../activities/funding-payments';

const { fundProject } = proxyActivities<FundingPaymentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['InvalidInput', 'CurrencyMismatch', 'AccountMismatch'],
  },
});

/**
 * A deposit as the workflow receives it: `postedBy` is who posted it, set by the API from the
 * caller (token subject, ARXFLOW_ACTOR in CLI direct mode), never by a request body; unset
 * (older runs, the trusted typed client) the audit records the system actor.
 */
export type FundingDepositInput = DepositInput & { postedBy?: string };

/**
 * Posts a lender's deposit to the project's funding account. A workflow rather than a
 * direct write so the service that owns the store does it, exactly once per reference,
 * wherever the request came from (CLI, API, webhook).
 */
export async function fundingDeposit(input: FundingDepositInput): Promise<FundingResult> {
  const { postedBy, ...deposit } = (input ?? {}) as FundingDepositInput;
  const parsed = depositInputSchema.safeParse(deposit);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(`fundingDeposit input: ${parsed.error.message}`, 'InvalidInput');
  if (postedBy !== undefined && !(typeof postedBy === 'string' && postedBy.trim() !== '' && postedBy.length <= 200)) {
    throw ApplicationFailure.nonRetryable(
      'fundingDeposit input: postedBy: must be 1 to 200 characters',
      'InvalidInput',
    );
  }
  const { projectId, reference, amount, currency, memo } = parsed.data;
  return fundProject({
    idempotencyKey: `deposit/${projectId}/${reference}`,
    projectId,
    amount,
    currency,
    memo,
    workflowId: workflowInfo().workflowId,
    ...(postedBy === undefined ? {} : { actor: postedBy }),
  });
}
