import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { depositInputSchema, type DepositInput } from '../domain/funding/deposit';
import type { FundingPaymentActivities, FundingResult } from '../activities/funding-payments';

const { fundProject } = proxyActivities<FundingPaymentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['InvalidInput', 'CurrencyMismatch', 'AccountMismatch'] },
});

/**
 * Posts a lender's deposit to the project's funding account. A workflow rather than a
 * direct write so the service that owns the store does it, exactly once per reference,
 * wherever the request came from (CLI, API, webhook).
 */
export async function fundingDeposit(input: DepositInput): Promise<FundingResult> {
  const parsed = depositInputSchema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`fundingDeposit input: ${parsed.error.message}`, 'InvalidInput');
  const { projectId, reference, amount, currency, memo } = parsed.data;
  return fundProject({
    idempotencyKey: `deposit/${projectId}/${reference}`, projectId, amount, currency, memo, workflowId: workflowInfo().workflowId,
  });
}
