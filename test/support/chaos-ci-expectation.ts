import { COMMITS_PER_DOCUMENT, planWorkload, withCorrections } from '../../chaos/workload';

/**
 * The chaos workload at size ci (40 mixed workflows) and the effects it must leave, each count
 * exact, worked out from the plan: what the CI subsets of `npm run chaos` compare against.
 */
export function ciWorkloadExpectation() {
  const plan = planWorkload('X', 40);
  const corrections = Array.from({ length: plan.reviews }, (_, i) => i).filter(withCorrections).length;
  const exact = (what: string, n: number) => ({ what, expected: n, observed: n, duplicates: 0, lost: 0 });
  return {
    plan,
    counts: [
      exact('workflows completed as expected', 40),
      exact('ledger payouts (done, expected amount)', plan.funding),
      exact('ledger disbursement transactions', plan.funding),
      exact('emails at the SMTP stand-in (one per Message-ID)', 2 * plan.alerts + plan.reviews + corrections),
      exact('Slack messages at the Slack stand-in', 2 * plan.alerts),
      exact('document commits in the store', COMMITS_PER_DOCUMENT * plan.documents),
    ],
  };
}
