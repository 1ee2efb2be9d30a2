import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { fundingDepositInputSchema, type FundingDepositInput } from '../domain/funding/deposit';
import type { FundingPaymentActivities, FundingResult } from '../activities/funding-payments';
import { parseWorkflowInput } from './kit/workflow-input';

// A deposit is posted once per reference, so a retry is safe; the activity heartbeats, so a
// worker that died while posting is noticed in seconds rather than after the 30.
const { fundProject } = proxyActivities<FundingPaymentActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['InvalidInput', 'CurrencyMismatch', 'AccountMismatch'],
  },
});

/**
 * Posts a lender's deposit to the project's funding account. A workflow rather than a
 * direct write so the service that owns the store does it, exactly once per reference,
 * wherever the request came from (CLI, API, webhook). No clock and no messages: the
 * workflow kit has nothing to add here.
 */
export async function fundingDeposit(input: FundingDepositInput): Promise<FundingResult> {
  const { postedBy, projectId, reference, amount, currency, memo } = parseWorkflowInput(
    fundingDepositInputSchema,
    input ?? {},
    'fundingDeposit input',
  );
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
