import { TemporalSyncOperations } from '../client/api/sync-temporal-operations';
import { SyncStore } from '../db/sync-store';
import { alertWorkflowId, pagerdutyDedupKey } from '../domain/alerts/dedup';
import { complianceReviewId } from '../domain/compliance/review';
import { fundingGateId } from '../domain/funding/gate-input';
import { drawInput, fundProject } from '../test/fixtures/funding-gate';
import { reviewInput, submission } from '../test/fixtures/compliance-review';
import {
  alertStatusQuery,
  complianceDecideUpdate,
  complianceResubmitUpdate,
  complianceStatusQuery,
  decideUpdate,
  escalateNowUpdate,
  fundingGate,
  complianceReview,
  resolveUpdate,
} from '../workflows';
import { ChaosDriver } from './driver';
import { driveDeployment, prepareDeployments, stopDeployments, type DeploymentFixture } from './deployments';
import { drivePipeline, preparePipelines, type PipelineFixture } from './pipelines';
import { ROUTING_KEY, TASK_QUEUE, type ChaosWorld } from './world';

/**
 * The mixed workload every fault scenario drives: funding gates to disbursement, alerts through
 * escalation and resolve, compliance reviews (half with a corrections cycle), versioned
 * documents given three commits each, one on top of the other (data sync), pipeline runs of
 * real step processes (chaos/pipelines.ts), and deployments on the local target
 * (chaos/deployments.ts). Each workflow is driven step by step the way a user would, every call
 * retried until it lands (chaos/driver.ts: a dead server or worker answers nothing for a while;
 * the deadline bounds the wait). Updates carry an update
 * id, so a retried one that had landed is answered from the first, not applied twice.
 * Expected effects are derived here from the plan, never from the workflows' own claims.
 */
export interface WorkloadPlan {
  run: string;
  funding: number;
  alerts: number;
  reviews: number;
  /** Documents (one documentSync workflow each), COMMITS_PER_DOCUMENT commits to each. */
  documents: number;
  /** Pipeline runs, one commit each. */
  pipelines: number;
  /** Deployment items (chaos/deployments.ts says what one is). */
  deployments: number;
}

export function planWorkload(run: string, workflows: number): WorkloadPlan {
  const funding = Math.round(workflows * 0.3);
  const alerts = Math.round(workflows * 0.25);
  const documents = Math.round(workflows * 0.1);
  const pipelines = Math.round(workflows * 0.1);
  const deployments = Math.round(workflows * 0.05);
  const reviews = workflows - funding - alerts - documents - pipelines - deployments;
  return { run, funding, alerts, reviews, documents, pipelines, deployments };
}

/** What a workload needs beyond the world, made before it runs: the pipelines' repository, the deployments' services. */
export interface WorkloadFixtures {
  pipelines: PipelineFixture;
  deployments: DeploymentFixture;
}

export const COMMITS_PER_DOCUMENT = 3;
export const documentIdOf = (plan: WorkloadPlan, i: number) => `chaos-${plan.run.toLowerCase()}-doc-${i}`;
/** A commit's message names its document and step: how the store's rows are matched to the plan. */
export const commitMessageOf = (plan: WorkloadPlan, i: number, step: number) => `${documentIdOf(plan, i)} step ${step}`;
const EDITOR = { subject: 'chaos-editor', roles: ['editor'] };

export const PROJECT = (plan: WorkloadPlan) => `CHAOS-${plan.run}`;
export const gateIdOf = (plan: WorkloadPlan, i: number) => fundingGateId(gateInput(plan, i));
export const alertKeyOf = (plan: WorkloadPlan, i: number) => `chaos-${plan.run.toLowerCase()}-${i}`;
export const alertSummaryOf = (plan: WorkloadPlan, i: number) => `Chaos alert ${alertKeyOf(plan, i)}`;
export const planIdOf = (plan: WorkloadPlan, i: number) => `CHAOS-${plan.run}-${i}`;
export const applicantOf = (plan: WorkloadPlan, i: number) =>
  `${planIdOf(plan, i).toLowerCase()}@applicants.chaos.test`;
/** Odd reviews fail the code check first (door D3 too narrow), get a corrections email, and are resubmitted fixed. */
export const withCorrections = (i: number) => i % 2 === 1;

function gateInput(plan: WorkloadPlan, i: number) {
  return drawInput({
    projectId: PROJECT(plan),
    milestoneId: `G${i}`,
    conditions: [],
    approvals: {
      stages: [
        { name: 'review', approvers: { users: ['rita'] }, quorum: 1 },
        { name: 'sign', approvers: { users: ['sam'] }, quorum: 1 },
      ],
    },
  });
}

/** Expected release of one gate (drawInput's lines at 10% retainage): what the ledger must show once. */
export const RELEASED_PER_GATE = 2_700_000;

export interface WorkloadOutcome {
  /** Workflows that ended with the expected result, by kind. */
  completed: Record<WorkloadKind, number>;
  failures: string[];
  /** When the last workflow finished. */
  doneAt: number;
  /** Calls that failed and were tried again (faults seen from the outside). */
  retries: number;
}

export type WorkloadKind = Exclude<keyof WorkloadPlan, 'run'>;
export const WORKLOAD_KINDS: WorkloadKind[] = ['funding', 'alerts', 'reviews', 'documents', 'pipelines', 'deployments'];

/** The project's money, the pipelines' repository and the deployments' services; all undone when the world closes. */
export async function seedWorkload(world: ChaosWorld, plan: WorkloadPlan): Promise<WorkloadFixtures> {
  await fundProject(world.store, PROJECT(plan), 1_000_000_000_000);
  const pipelines = preparePipelines(world, plan.run, plan.pipelines);
  world.onClose(() => pipelines.repo.remove());
  const deployments = await prepareDeployments(world, plan.run, plan.deployments);
  world.onClose(() => stopDeployments(world, deployments));
  return { pipelines, deployments };
}

export async function runWorkload(
  world: ChaosWorld,
  plan: WorkloadPlan,
  fixtures: WorkloadFixtures,
  options: { concurrency: number; deadline: number; log: (line: string) => void },
): Promise<WorkloadOutcome> {
  const completed = Object.fromEntries(WORKLOAD_KINDS.map((kind) => [kind, 0])) as Record<WorkloadKind, number>;
  const outcome: WorkloadOutcome = { completed, failures: [], doneAt: 0, retries: 0 };
  const { client } = world;
  const driver = new ChaosDriver(options.deadline);
  const persist = driver.persist.bind(driver);
  const startOnce = driver.startOnce.bind(driver);
  const waitFor = driver.waitFor.bind(driver);
  const resultOf = driver.resultOf.bind(driver);

  async function funding(i: number) {
    const input = gateInput(plan, i);
    const workflowId = fundingGateId(input);
    await startOnce(`start ${workflowId}`, () =>
      client.workflow.start(fundingGate, { taskQueue: TASK_QUEUE, workflowId, args: [input] }),
    );
    const handle = client.workflow.getHandle(workflowId);
    for (const actor of ['rita', 'sam'])
      await persist(`${actor} approves ${workflowId}`, () =>
        handle.executeUpdate(decideUpdate, {
          args: [{ decision: 'approve', actor, roles: [] }],
          updateId: `${workflowId}/approve/${actor}`,
        }),
      );
    const view = await resultOf<{ status: string; payment?: unknown }>(handle, `result of ${workflowId}`);
    if (view.status !== 'completed' || !view.payment) throw new Error(`${workflowId} ended ${view.status}`);
  }

  async function alert(i: number) {
    const key = alertKeyOf(plan, i);
    const workflowId = alertWorkflowId(pagerdutyDedupKey(ROUTING_KEY, key));
    await persist(`trigger ${key}`, async () => {
      const response = await fetch(`${world.gateway.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          routing_key: ROUTING_KEY,
          event_action: 'trigger',
          dedup_key: key,
          payload: { summary: alertSummaryOf(plan, i), source: 'chaos', severity: 'critical' },
        }),
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}`);
    });
    const handle = client.workflow.getHandle(workflowId);
    const delivered = (view: { notifications: Record<string, number> }) =>
      (view.notifications.sent ?? 0) + (view.notifications.failed ?? 0);
    const status = () => handle.query(alertStatusQuery);
    await waitFor(`${key} level 1 sent`, status, (view) => delivered(view) >= 2);
    await persist(`escalate ${key}`, () =>
      handle.executeUpdate(escalateNowUpdate, {
        args: [{ actor: 'chaos-oncall', roles: ['operator'] }],
        updateId: `${workflowId}/escalate`,
      }),
    );
    await waitFor(`${key} level 2 sent`, status, (view) => delivered(view) >= 4);
    await persist(`resolve ${key}`, () =>
      handle.executeUpdate(resolveUpdate, {
        args: [{ actor: 'chaos-oncall', roles: ['operator'] }],
        updateId: `${workflowId}/resolve`,
      }),
    );
    const view = await resultOf<{ status: string }>(handle, `result of ${workflowId}`);
    if (view.status !== 'resolved') throw new Error(`${workflowId} ended ${view.status}`);
  }

  async function review(i: number) {
    const planId = planIdOf(plan, i);
    const workflowId = complianceReviewId(planId);
    const input = reviewInput(planId, {
      applicant: { id: 'arch-amy', email: applicantOf(plan, i) },
      submission: submission(planId, 1, { fixDoor: !withCorrections(i) }),
    });
    await startOnce(`start ${workflowId}`, () =>
      client.workflow.start(complianceReview, { taskQueue: TASK_QUEUE, workflowId, args: [input] }),
    );
    const handle = client.workflow.getHandle(workflowId);
    const status = () => handle.query(complianceStatusQuery);
    if (withCorrections(i)) {
      await waitFor(`${planId} corrections required`, status, (view) => view.status === 'corrections_required');
      await persist(`resubmit ${planId}`, () =>
        handle.executeUpdate(complianceResubmitUpdate, {
          args: [{ ...submission(planId, 2, { fixDoor: true }), actor: 'arch-amy' }],
          updateId: `${workflowId}/resubmit/2`,
        }),
      );
    }
    await waitFor(`${planId} in review`, status, (view) => view.status === 'in_review');
    await persist(`approve ${planId}`, () =>
      handle.executeUpdate(complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'rev-ray' }],
        updateId: `${workflowId}/approve`,
      }),
    );
    const view = await resultOf<{ status: string }>(handle, `result of ${workflowId}`);
    if (view.status !== 'approved') throw new Error(`${workflowId} ended ${view.status}`);
  }

  const syncStore = new SyncStore(world.store.db);
  const sync = new TemporalSyncOperations({ client, taskQueue: TASK_QUEUE, store: syncStore });

  async function document(i: number) {
    const documentId = documentIdOf(plan, i);
    let parent: string | undefined;
    for (let step = 1; step <= COMMITS_PER_DOCUMENT; step++) {
      const message = commitMessageOf(plan, i, step);
      const based = parent;
      parent = await persist(`commit ${step} to ${documentId}`, async () => {
        // A try that landed before its answer was lost: the commit is in the history (the
        // client's checks would now refuse the first commit again for want of a parent).
        const landed = (await syncStore.log(documentId)).entries.find((entry) => entry.message === message);
        if (landed) return landed.commitId;
        const result = await sync.commit(
          documentId,
          {
            kind: 'json',
            content: {
              document: i,
              step,
              rooms: Array.from({ length: step }, (_, n) => ({ id: `R${n}`, area: 10 * n })),
            },
            message,
            requestId: `${documentId}-${step}`,
            ...(based === undefined ? {} : { parent: based }),
          },
          EDITOR,
        );
        if (result.outcome !== 'committed') throw new Error(`${documentId} step ${step}: ${result.outcome}`);
        return result.commitId;
      });
    }
    const head = await persist(`head of ${documentId}`, () => syncStore.head(documentId));
    if (head !== parent) throw new Error(`${documentId}: head ${head}, expected the last commit ${parent}`);
  }

  // Interleaved kinds, so every fault lands on a mix.
  const jobs: { name: string; run: () => Promise<void> }[] = [];
  const drive: Record<WorkloadKind, (i: number) => Promise<void>> = {
    funding,
    alerts: alert,
    reviews: review,
    documents: document,
    pipelines: (i) => drivePipeline(world, fixtures.pipelines, i, driver),
    deployments: (i) => driveDeployment(world, fixtures.deployments, i, driver),
  };
  const most = Math.max(...WORKLOAD_KINDS.map((kind) => plan[kind]));
  for (let i = 0; i < most; i++)
    for (const kind of WORKLOAD_KINDS)
      if (i < plan[kind])
        jobs.push({
          name: `${kind} ${i}`,
          run: async () => {
            await drive[kind](i);
            outcome.completed[kind] += 1;
          },
        });
  let next = 0;
  let finished = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        try {
          await job.run();
        } catch (err) {
          outcome.failures.push(`${job.name}: ${(err as Error).message}`);
        }
        finished += 1;
        if (finished % 20 === 0 || finished === jobs.length) options.log(`${finished}/${jobs.length} workflows done`);
      }
    }),
  );
  outcome.doneAt = Date.now();
  outcome.retries = driver.retries;
  return outcome;
}
