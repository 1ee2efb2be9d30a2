import { RECORDED_STAGES, VERSIONS } from '../../chaos/deployments';
import { PIPELINE_STEPS } from '../../chaos/pipelines';
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
      exact('pipeline jobs succeeded in the audit chain', Object.keys(PIPELINE_STEPS).length * plan.pipelines),
      exact('pipeline runs succeeded in the audit chain', plan.pipelines),
      exact('pipeline steps run (marks, each step once)', Object.values(PIPELINE_STEPS).flat().length * plan.pipelines),
      exact('deployments ended succeeded (their results in Temporal)', VERSIONS.length * plan.deployments),
      exact('version starts (run/starts.log of each target)', VERSIONS.length * plan.deployments),
      exact('reverse proxies started (run/proxy.log of each target)', plan.deployments),
      exact(
        'deployment records (one per stage that changed a target)',
        VERSIONS.length * RECORDED_STAGES.length * plan.deployments,
      ),
    ],
  };
}
