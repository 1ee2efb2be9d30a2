// `npm run histories:record [-- <type> ...]`: runs one sample of every workflow type (or
// only the types named) on a Temporal dev server with the real worker and writes each
// history to test/histories/<type>.json, which test/replay replays against the current
// workflow code. Re-record after an intended, patched() change; never to silence a
// determinism failure. Name the types you changed: the others keep their recorded history.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore, type Store } from '../db/store';
import { Ledger, ledgerAccounts } from '../db/ledger';
import { FundingPrograms } from '../db/funding-programs';
import { TaskTriggers } from '../db/task-triggers';
import { parseEscalationYaml } from '../domain/alerts/escalation-policy-schemas';
import { Incident } from '../domain/alerts/incident';
import { AlertState } from '../domain/alerts/alert-state';
import { parseMetricRulesYaml } from '../domain/alerts/metric-rules-schemas';
import type { AlertEvent } from '../domain/alerts/types';
import { fundingGateInputSchema, type FundingGateInput } from '../domain/funding/gate-input';
import { FundingGate } from '../domain/funding/gate';
import type { GateCarried } from '../domain/funding/gate-carried';
import * as workflows from '../workflows';
import { alertSearchAttributes } from '../workflows/alerts/alert-search-attributes';
import { buildWorkflowBundle } from '../workers/bundle';
import type { ResubmissionRequest } from '../domain/compliance/review-types';
import { BlobStore } from '../db/blob-store';
import { PlanReview } from '../domain/compliance/review';
import { canonicalBytes, contentHash } from '../domain/sync/content-hash';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createGithubActivities } from '../activities/github';
import { createPipelineActivities } from '../activities/pipelines';
import { createQualityActivities } from '../activities/quality';
import { createGitRepo, type GitRepo } from '../test/support/git-repo';
import { repoKeyOf } from '../domain/pipelines/repo-key';
import type { PipelineRunInput } from '../domain/pipelines/pipeline-types';
import type { QualityGateInput } from '../activities/quality';
import type { DeploymentInput } from '../domain/deploy/deploy-types';
import * as deployMessages from '../workflows/deploy/deploy-messages';
import { recordingKubectl, type RecordingKubectl } from '../test/support/recording-kubectl';
import { startTestService, type TestService } from '../test/workflows/fixtures/deploy-test-http';
import { SyncStore } from '../db/sync-store';
import type { CommitOutcome, CommitRequest, JsonValue, SyncConfig } from '../domain/sync/sync-types';
import {
  commitUpdate,
  createBranchUpdate,
  deleteBranchUpdate,
  mergeUpdate,
  revertUpdate,
} from '../workflows/sync/sync-messages';
import { localDevServerOptions } from './dev-server';

type Exports = typeof workflows;
type WorkflowType = {
  [K in keyof Exports]: Exports[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof Exports];

interface Sample {
  /** The start arguments, or a function that makes them (files under the data dir, a repository's sha). */
  args: unknown[] | ((dataDir: string) => unknown[] | Promise<unknown[]>);
  /** Data the run needs in the store first (a funded project). */
  prepare?: (store: Store) => Promise<void>;
  /** Search attributes it starts with, as its starter sets them (the alert intake does). */
  searchAttributes?: SearchAttributePair[];
  /** Messages sent while it runs, so the history covers its handlers too. */
  drive?: (handle: WorkflowHandle, store: Store) => Promise<void>;
  /**
   * An entity workflow that never ends by itself: its first run's history is recorded once that
   * run continued as new (the drive makes it), and the workflow is terminated afterwards.
   */
  continuesAsNew?: true;
  /** For a workflow that checks its own id (default `history-sample/<type>`); test/replay replays under the recorded id. */
  workflowId?: string;
  /** The workflow type when the sample's name is not one (a second history of a type: `<type>-<path>`). */
  workflowType?: string;
}

/** The sample draw's lien waiver, without its type (conditional, then unconditional). */
const SAMPLE_WAIVER = { kind: 'lien_waiver', from: 'acme-builders', throughDate: '2026-11-30', amount: 2_700_000 };

const SAMPLE_DRAW: FundingGateInput = {
  projectId: 'SAMPLE',
  milestoneId: 'M1',
  requestedBy: 'gc-alex',
  payeeId: 'acme-builders',
  currency: 'USD',
  lines: [
    { lineId: 'L1', description: 'Foundations', scheduledValue: 5_000_000, requestedAmount: 2_000_000 },
    {
      lineId: 'L2',
      description: 'Framing',
      scheduledValue: 3_000_000,
      previouslyReleased: 1_000_000,
      requestedAmount: 1_000_000,
    },
  ],
  retainage: { percent: 10 },
  projectPercentComplete: 40,
  conditions: [
    { id: 'sov', type: 'document', name: 'schedule-of-values', mode: 'blocking' },
    {
      id: 'waiver',
      type: 'lien_waiver',
      waiverType: 'conditional-progress',
      from: 'acme-builders',
      throughDate: '2026-11-30',
      mode: 'blocking',
    },
  ],
  approvals: {
    stages: [
      { name: 'review', approvers: { users: ['rita'] }, quorum: 1 },
      { name: 'signatory', approvers: { roles: ['signatory'] }, quorum: 1 },
    ],
  },
  clocks: {
    reminderEvery: '1 day',
    slaAfter: '3 days',
    expireAfter: '10 days',
    escalationContact: 'lender-ops',
    unconditionalWaiverDue: '10 days',
  },
  program: { programId: 'standard', version: 1 },
  separation: { window: '7 days', makers: [{ actor: 'ada', at: '2026-11-30T09:00:00.000Z', what: 'payees' }] },
};

const SAMPLE_PLAN_DOCUMENTS = [
  { kind: 'floor-plans', name: 'A-101.pdf' },
  { kind: 'code-analysis', name: 'G-001.pdf' },
];

/** The shared example plan; `doorD3In` widens its one non-compliant door. */
function examplePlan(doorD3In?: number): Record<string, unknown> {
  const plan = JSON.parse(
    readFileSync(path.resolve(__dirname, '..', 'test', 'fixtures', 'plans', 'plan-example.json'), 'utf8'),
  );
  if (doorD3In) plan.doors.find((door: { id: string }) => door.id === 'D3').clearWidthIn = doorD3In;
  return plan;
}

/** What the alert intake starts SAMPLE_ALERT's workflow with (client/api/alert-intake.ts). */
const SAMPLE_ALERT_SEARCH_ATTRIBUTES = () =>
  alertSearchAttributes({ status: 'triggered', severity: SAMPLE_ALERT.severity, service: SAMPLE_ALERT.service });
const SAMPLE_ALERT: AlertEvent = {
  source: 'alertmanager',
  dedupKey: 'history-sample',
  sourceKey: 'fp-history',
  action: 'trigger',
  severity: 'error',
  summary: 'Disk full on db-1',
  service: 'billing',
  group: 'history',
  labels: { alertname: 'DiskFull', service: 'billing' },
  annotations: {},
  startsAt: '2026-11-25T10:00:00.000Z',
  links: [],
  images: [],
};
const SAMPLE_POLICY = parseEscalationYaml(`
default: sample
policies:
  - name: sample
    levels:
      - notify: [{ slack: "#ops" }, { email: oncall@example.com }]
        escalateAfter: 10 minutes
      - notify: [{ email: lead@example.com }]
`).policies[0]!;

const SAMPLE_METRIC_RULES = parseMetricRulesYaml(`
rules:
  - name: disk-full
    expr: disk.used_percent > 90
    severity: warning
    labels: { team: infra }
`);

/** A resolved incident whose review is due. */
function sampleIncidentSnapshot() {
  const resolvedAt = Date.parse('2026-11-25T12:00:00Z');
  const sample = Incident.open(
    'inc-history-sample',
    { dedupKey: 'history-sample', summary: 'Disk full on db-1', severity: 'critical' },
    'alert:history-sample',
    resolvedAt - 3_600_000,
  );
  sample.setStatus({ actor: 'ops:ann', roles: ['operator'], status: 'resolved' }, resolvedAt);
  return sample.snapshot();
}

/** The pipeline sample's repository: made when its sample starts, removed at the end. */
let sampleRepo: GitRepo | undefined;

const SAMPLE_JUNIT =
  '<?xml version="1.0"?><testsuites><testsuite name="unit" tests="2" failures="0">' +
  '<testcase classname="math" name="adds"/><testcase classname="math" name="divides"/></testsuite></testsuites>';

/**
 * A pull request's run: a build, a test job keeping a JUnit report, a job skipped by its
 * filter, then the quality gate as a child; statuses and the PR comment go to the outbox.
 */
function samplePipelineRun(): PipelineRunInput {
  sampleRepo = createGitRepo({
    'junit.xml': SAMPLE_JUNIT,
    '.arxflow/pipeline.yml': `
quality:
  tests: { maxFailed: 0 }
owners: ["email:builds@example.com"]
jobs:
  build:
    steps:
      - { name: build, run: "mkdir -p out && echo built > out/app.txt" }
    artifacts: [out/app.txt]
  test:
    needs: [build]
    steps:
      - { name: test, run: "mkdir -p out && cp junit.xml out/junit.xml" }
    reports: { junit: out/junit.xml }
  release-notes:
    if: { branches: ["release/*"] }
    steps: [{ name: notes, run: "true" }]
`,
  });
  return {
    trigger: {
      repo: sampleRepo.dir,
      repoKey: repoKeyOf(sampleRepo.dir),
      ref: 'refs/pull/7/head',
      sha: sampleRepo.sha(),
      branch: 'feature',
      event: 'pull_request',
      base: { branch: 'main' },
      pullRequest: { number: 7 },
      actor: 'history-recorder',
      githubRepo: 'acme/app',
    },
    attempt: 1,
  };
}

/** The gate alone, as the API starts it: a JUnit report kept under the data dir. */
function sampleQualityGate(dataDir: string): QualityGateInput {
  const ref = path.join(dataDir, 'pipelines', 'files', 'history-sample', 'test', 'junit.xml');
  mkdirSync(path.dirname(ref), { recursive: true });
  writeFileSync(ref, SAMPLE_JUNIT);
  return {
    runId: 'history-sample/quality',
    repo: 'history-sample',
    repoKey: 'history-sample',
    branch: 'main',
    sha: 'a'.repeat(40),
    attempt: 1,
    reports: { coverage: [], junit: [{ path: 'out/junit.xml', ref, bytes: SAMPLE_JUNIT.length }], bench: [] },
    thresholds: { tests: { maxFailed: 0 } },
    owners: [],
  };
}

/** The deployment sample's kubectl and service: made when its sample starts, removed at the end. */
let sampleKubectl: RecordingKubectl | undefined;
let sampleService: TestService | undefined;

/**
 * web 1.1.0 to production through staging, on a recording kubectl and a local HTTP service:
 * health, smoke, analysis over /metrics, the approval (refused signals, two reviewers), steps
 * 50 -> 100 and a short watch.
 */
async function sampleDeployment(): Promise<DeploymentInput> {
  sampleKubectl = recordingKubectl();
  sampleKubectl.answer({ match: 'get deployment web -o', stdout: 'registry.example/web:1.0.0' });
  sampleService = await startTestService();
  const target = {
    type: 'kubectl' as const,
    kubectl: sampleKubectl.binary,
    namespace: 'web',
    deployment: 'web',
    container: 'web',
    image: 'registry.example/web:{{version}}',
    rolloutTimeout: '1 minute',
    canary: { deployment: 'web-canary', replicas: 10 },
    baseUrl: sampleService.url,
    publicUrl: sampleService.url,
  };
  const health = {
    checks: [{ name: 'healthz', path: '/healthz', method: 'GET' as const, expectStatus: 200 }],
    successes: 1,
    interval: '200ms',
    timeout: '5 seconds',
  };
  return {
    service: 'web',
    environment: 'production',
    version: '1.1.0',
    requestedBy: 'dev-dana',
    whenBusy: 'wait',
    configDir: '/tmp',
    config: {
      name: 'web',
      environments: [
        {
          name: 'staging',
          target: { ...target, namespace: 'web-staging' },
          health,
          smoke: [{ name: 'home', path: '/', method: 'GET', expectStatus: 200 }],
          steps: [100],
        },
        {
          name: 'production',
          after: 'staging',
          target,
          health,
          smoke: [],
          steps: [50, 100],
          approval: {
            users: ['rita'],
            roles: ['reviewer'],
            quorum: 2,
            deadline: '1 hour',
            remindEvery: '20 minutes',
            notify: [{ email: 'reviewers@example.com' }],
          },
          analysis: {
            provider: 'http',
            metrics: [
              {
                name: 'error-rate',
                http: 'ratio(http_requests_total{code="500"}, http_requests_total)',
                successCondition: 'result < 0.05',
              },
            ],
            interval: '1 second',
            count: 1,
            failureLimit: 0,
            inconclusiveLimit: 0,
            inconclusiveDeadline: '1 hour',
          },
          watch: '2 seconds',
        },
      ],
    },
  };
}

/** The walk-through's plans (examples/sync/): an office plan and four people's edits of it. */
function syncExample(name: string): JsonValue {
  return JSON.parse(readFileSync(path.resolve(__dirname, '..', 'examples', 'sync', `${name}.json`), 'utf8'));
}

/** The sync sample's subscribers: each commit is told to an email address (the outbox, without SMTP). */
const SAMPLE_SYNC_CONFIG: SyncConfig = {
  subscribers: [{ kinds: ['plan'], documents: '*', targets: ['email:plans@example.com'] }],
  maxContentBytes: 5 * 1024 * 1024,
};

/**
 * The walk-through on one plan, four commits to a run: the office plan, Ana's edit
 * (fast-forward), Ben's on the same parent (merged: another space), Carl's on the same parent
 * (a conflict with Ana's), Dana's narrower door on the same parent (merged, then denied by the
 * compliance check), a viewer's
 * commit (refused by the validator: not in history), Ana's request again (its first answer),
 * a revert to the office plan (the fourth commit), then branches (driveBranches: eight commits
 * in all, the run continues as new).
 */
async function driveDocumentSync(handle: WorkflowHandle, store: Store): Promise<void> {
  const sync = new SyncStore(store.db);
  const send = async (requestId: string, actor: string, content: JsonValue, parent?: string, roles = ['editor']) => {
    const { contentHash, bytes } = await sync.stageContent(content);
    const request: CommitRequest = {
      requestId,
      actor,
      roles,
      kind: 'plan',
      ...(parent ? { parent } : {}),
      contentHash,
      contentBytes: bytes,
      metadata: { tool: 'history-recorder' },
      message: `${actor}: ${requestId}`,
    };
    return handle.executeUpdate(commitUpdate, { args: [request], updateId: requestId });
  };
  const commitId = (outcome: CommitOutcome) => {
    if (outcome.outcome !== 'committed') throw new Error(`expected a commit, got ${JSON.stringify(outcome)}`);
    return outcome.commitId;
  };
  const base = commitId(await send('office', 'arch-amy', syncExample('office-plan')));
  const ana = commitId(await send('ana', 'ana', syncExample('ana-board-room'), base));
  commitId(await send('ben', 'ben', syncExample('ben-storage'), base));
  await send('carl', 'carl', syncExample('carl-conference'), base); // conflict
  await send('dana', 'dana', syncExample('dana-narrow-door'), base); // merged, then denied
  await send('vic', 'vic', syncExample('office-plan'), base, ['viewer']).catch(() => undefined); // refused
  if (commitId(await send('ana', 'ana', syncExample('ana-board-room'), base)) !== ana)
    throw new Error('not idempotent');
  const reverted = commitId(
    await handle.executeUpdate(revertUpdate, {
      args: [{ requestId: 'revert', actor: 'arch-amy', roles: ['editor'], commitId: base }],
      updateId: 'revert',
    }),
  );
  await driveBranches(handle, store, reverted);
}

/**
 * Branches on the same plan (after the revert, head is the office plan again): Ana's edit on a
 * branch at head, merged by a fast-forward; the branch deleted (admin); Ben's edit on a branch
 * at the revert while head moved on, merged by a merge commit (two parents: the run's eighth
 * commit, so it continues as new).
 */
async function driveBranches(handle: WorkflowHandle, store: Store, reverted: string): Promise<void> {
  const sync = new SyncStore(store.db);
  const editor = { actor: 'arch-amy', roles: ['editor'] };
  const update = <T, R extends { requestId: string } = { requestId: string } & Record<string, unknown>>(
    definition: { name: string },
    request: R,
  ) => handle.executeUpdate<T, [R]>(definition.name, { args: [request], updateId: request.requestId });
  const onBranch = async (requestId: string, actor: string, content: JsonValue, parent: string, branch: string) => {
    const { contentHash, bytes } = await sync.stageContent(content);
    const request: CommitRequest = {
      requestId,
      actor,
      roles: ['editor'],
      kind: 'plan',
      parent,
      contentHash,
      contentBytes: bytes,
      metadata: { tool: 'history-recorder' },
      message: `${actor}: ${requestId}`,
      branch,
    };
    const outcome = await update<CommitOutcome, CommitRequest>(commitUpdate, request);
    if (outcome.outcome !== 'committed') throw new Error(`expected a branch commit, got ${JSON.stringify(outcome)}`);
    return outcome.commitId;
  };
  await update(createBranchUpdate, { requestId: 'branch-board-room', ...editor, name: 'feature/board-room' });
  await onBranch('ana-on-branch', 'ana', syncExample('ana-board-room'), reverted, 'feature/board-room');
  await update(mergeUpdate, { requestId: 'merge-ff', ...editor, branch: 'feature/board-room', message: 'Board room' });
  await update(deleteBranchUpdate, {
    requestId: 'delete-board-room',
    actor: 'ada',
    roles: ['admin'],
    name: 'feature/board-room',
  });
  await update(createBranchUpdate, { requestId: 'branch-storage', ...editor, name: 'storage', at: reverted });
  await onBranch('ben-on-branch', 'ben', syncExample('ben-storage'), reverted, 'storage');
  const merged = await update<CommitOutcome>(mergeUpdate, {
    requestId: 'merge-storage',
    ...editor,
    branch: 'storage',
    message: 'Storage',
  });
  if (merged.outcome !== 'committed' || merged.parents.length !== 2)
    throw new Error(`expected a merge commit, got ${JSON.stringify(merged)}`);
}

/** One representative run per workflow type. */
const SAMPLES: Record<WorkflowType | `${WorkflowType}-${string}`, Sample> = {
  healthCheck: { args: [] },
  documentSync: {
    args: [{ documentId: 'history-sample', options: { commitsPerRun: 8 } }],
    workflowId: 'sync/history-sample',
    drive: driveDocumentSync,
    continuesAsNew: true,
  },
  deployment: {
    args: async () => [await sampleDeployment()],
    drive: async (handle) => {
      const until = async (status: string) => {
        while ((await handle.query(deployMessages.deploymentStatusQuery)).status !== status)
          await new Promise((resolve) => setTimeout(resolve, 200));
      };
      await until('waiting_approval');
      await handle.signal(deployMessages.approveSignal, { actor: 'dev-dana', roles: ['reviewer'] }); // self-approval: recorded
      await handle.signal(deployMessages.pauseSignal, { actor: 'ops-olga', roles: ['deployer'] }); // not progressing: recorded
      await handle.executeUpdate(deployMessages.approveUpdate, { args: [{ actor: 'rita', roles: [], comment: 'ok' }] });
      await handle.signal(deployMessages.approveSignal, { actor: 'otto', roles: ['reviewer'] });
    },
  },
  deployQueue: {
    // A join whose deployment does not exist (told its turn, the signal fails: it leaves), an
    // alert with no deployment running (dropped), then the idle queue ends.
    args: [{ service: 'history-sample', environment: 'staging', idleAfterMs: 1_000 }],
    drive: async (handle) => {
      await handle.signal(deployMessages.deployEnqueueSignal, { workflowId: 'deploy/history-sample/staging/9.9.9' });
      await handle.signal(deployMessages.deployAlertSignal, { alertId: 'a-1', summary: 'sample', labels: {} });
      await handle.query(deployMessages.deployQueueStatusQuery);
    },
  },
  pipelineRun: { args: () => [samplePipelineRun()] },
  qualityGate: { args: (dataDir) => [sampleQualityGate(dataDir)] },
  auditChainCheck: { args: [] },
  durabilityProbe: {
    args: [{ sleep: '1 hour', label: 'history-sample' }],
    drive: async (handle) => {
      await handle.query(workflows.probeStatusQuery);
      await handle.signal(workflows.wakeUpSignal, { reason: '', actor: 'history-recorder' }); // refused and recorded
      await handle.executeUpdate(workflows.wakeUpUpdate, {
        args: [{ reason: 'history sample', actor: 'history-recorder' }],
      });
    },
  },
  taskEvent: {
    args: [
      {
        eventId: 'history-sample-1',
        projectId: 'SAMPLE',
        taskId: 'T-1',
        type: 'task_completed',
        status: 'done',
        occurredAt: '2026-11-25T10:00:00Z',
        fields: { phase: 'framing' },
      },
    ],
    prepare: async (store) => {
      await new TaskTriggers(store.db).upsert({
        id: 'history-sample',
        projectId: 'SAMPLE',
        taskId: 'T-1',
        triggerType: 'task_completed',
        actions: [
          {
            type: 'notify',
            channel: 'log',
            recipients: ['ops'],
            subject: 'Task {{taskId}} {{status}}',
            body: 'phase {{fields.phase}}',
          },
          {
            type: 'signal_gate',
            workflowId: 'funding-gate/SAMPLE/NONE',
            payload: { kind: 'task_completed', taskId: '{{taskId}}' },
          },
        ],
      });
    },
  },
  replayTriggerAction: {
    // A gate signal that failed, replayed while the gate still does not exist: the history
    // covers the runner's failure path and the new dead letter.
    args: [{ deadLetterKey: 'history-sample/dead-letter', attempt: 1 }],
    prepare: async (store) => {
      await new TaskTriggers(store.db).recordDeadLetter({
        key: 'history-sample/dead-letter',
        triggerId: 'history-sample',
        attempts: 1,
        error: 'gate not found',
        action: {
          step: 'history-sample/0',
          triggerId: 'history-sample',
          actionIndex: 0,
          type: 'signal_gate',
          workflowId: 'funding-gate/SAMPLE/NONE',
          signal: 'submitEvidence',
          payload: { kind: 'task_completed', taskId: 'T-1', actor: 'trigger:history-sample' },
        },
      });
    },
  },
  fundingDeposit: { args: [{ projectId: 'SAMPLE', reference: 'wire-0001', amount: 500_000, currency: 'USD' }] },
  fundingGate: {
    args: [SAMPLE_DRAW],
    prepare: async (store) => {
      const ledger = new Ledger(store.db);
      await ledger.ensureAccount(ledgerAccounts.projectFunding('SAMPLE'), 'funding', 'USD');
      await ledger.fund(
        ledgerAccounts.projectFunding('SAMPLE'),
        10_000_000,
        'history-sample-deposit',
        'sample deposit',
      );
      await new FundingPrograms(store.db, store.audit).registerPayee(
        'SAMPLE',
        'acme-builders',
        'Acme Builders LLC',
        'ada',
      );
    },
    drive: async (handle) => {
      const waiver = {
        kind: 'lien_waiver',
        from: 'acme-builders',
        throughDate: '2026-11-30',
        amount: 2_700_000,
        actor: 'gc-alex',
      };
      await handle.executeUpdate(workflows.evidenceUpdate, {
        args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }],
      });
      await handle.executeUpdate(workflows.evidenceUpdate, {
        args: [{ ...waiver, waiverType: 'conditional-progress' }],
      });
      await handle.signal(workflows.decideSignal, { decision: 'approve', actor: 'gc-alex', roles: ['reviewer'] }); // four eyes: recorded
      await handle.signal(workflows.setupChangedSignal, { what: 'funding program', actor: 'sam-admin' });
      await handle.signal(workflows.decideSignal, { decision: 'approve', actor: 'sam-admin', roles: ['signatory'] }); // maker-checker: recorded
      // Every other message's Signal twin refused (recorded in status), a hold and a resume by Update.
      const ops = { actor: 'lender-ops', roles: ['operator'] };
      await handle.signal(workflows.waiveSignal, {
        conditionId: 'sov',
        comment: 'mine',
        actor: 'gc-alex',
        roles: ['approver'],
      }); // four eyes: recorded
      await handle.signal(workflows.resubmitSignal, { actor: 'gc-alex', roles: [] }); // nothing requested: recorded
      await handle.signal(workflows.reverseSignal, { reason: 'early', actor: 'lender-ops', roles: ['admin'] }); // not paid: recorded
      await handle.signal(workflows.resumeSignal, { reason: 'nothing held', ...ops }); // not on hold: recorded
      await handle.executeUpdate(workflows.holdUpdate, { args: [{ reason: 'lender review', ...ops }] });
      await handle.signal(workflows.holdSignal, { reason: 'again', ...ops }); // already on hold: recorded
      await handle.executeUpdate(workflows.resumeUpdate, { args: [{ reason: 'reviewed', ...ops }] });
      await handle.executeUpdate(workflows.decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(workflows.decideUpdate, {
        args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'], approvedAmounts: { L1: 1_500_000 } }],
      });
      while ((await handle.query(workflows.statusQuery)).status !== 'disbursed')
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.evidenceUpdate, {
        args: [{ ...waiver, waiverType: 'unconditional-progress' }],
      });
    },
  },
  'fundingGate-continued': {
    // The first run of a draw that continues as new while it waits for approvals: the schedule
    // of values, then refused approvals (the requester's own) until its third message (options.messagesPerRun).
    workflowType: 'fundingGate',
    workflowId: 'funding-gate/SAMPLE/M-CONTINUED',
    continuesAsNew: true,
    args: [{ ...SAMPLE_DRAW, milestoneId: 'M-CONTINUED', options: { messagesPerRun: 3 } }],
    drive: async (handle) => {
      await handle.executeUpdate(workflows.evidenceUpdate, {
        args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }],
      });
      for (let i = 0; i < 2; i++)
        await handle.signal(workflows.decideSignal, { decision: 'approve', actor: 'gc-alex', roles: ['signatory'] });
    },
  },
  'fundingGate-carried': {
    // The run after a continue-as-new: it starts from the carried gate (both conditions met, the
    // reviewer's approval, a refused vote not audited yet), the signatory approves, it pays
    // once, and completes on the unconditional waiver.
    workflowType: 'fundingGate',
    workflowId: 'funding-gate/SAMPLE/M-CARRIED',
    prepare: (store) => SAMPLES.fundingGate!.prepare!(store),
    args: () => {
      const input: FundingGateInput = { ...SAMPLE_DRAW, milestoneId: 'M-CARRIED' };
      const at = Date.now() - 60_000;
      const before = new FundingGate(fundingGateInputSchema.parse(input), at);
      before.bounded = true;
      before.addEvidence({ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }, at + 1_000);
      before.addEvidence({ ...SAMPLE_WAIVER, waiverType: 'conditional-progress', actor: 'gc-alex' }, at + 2_000);
      before.vote({ decision: 'approve', actor: 'rita', roles: [] }, at + 3_000);
      const own = { decision: 'approve', actor: 'gc-alex', roles: ['signatory'] };
      before.recordRefused('decide', own, before.refusalOfVote(own, at + 4_000)!, at + 4_000);
      const carried: GateCarried = { phase: 'collecting', releaseNumber: 1, unaudited: 1, gate: before.snapshot() };
      return [{ ...input, carried }];
    },
    drive: async (handle) => {
      await handle.executeUpdate(workflows.decideUpdate, {
        args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }],
      });
      while ((await handle.query(workflows.statusQuery)).status !== 'disbursed')
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.evidenceUpdate, {
        args: [{ ...SAMPLE_WAIVER, waiverType: 'unconditional-progress', actor: 'gc-alex' }],
      });
    },
  },
  alertEscalation: {
    // Started as the intake starts it (its search attributes given), notified at level 1, a
    // refused Web UI acknowledge (no role), acknowledged, resolved.
    args: [{ event: SAMPLE_ALERT, intakeId: 'history-sample-intake', policy: SAMPLE_POLICY }],
    searchAttributes: SAMPLE_ALERT_SEARCH_ATTRIBUTES(),
    drive: async (handle) => {
      while ((await handle.query(workflows.alertStatusQuery)).level < 1)
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.signal(workflows.acknowledgeSignal, { actor: 'visitor', roles: ['viewer'] });
      await handle.executeUpdate(workflows.acknowledgeUpdate, { args: [{ actor: 'ops:ann', roles: ['operator'] }] });
      await handle.executeUpdate(workflows.resolveUpdate, {
        args: [{ actor: 'ops:ann', roles: ['operator'], note: 'disk extended' }],
      });
    },
  },
  metricEvaluator: {
    // A breach raises its alert (child, ABANDON), recovery resolves it, then the idle run ends.
    args: [
      {
        rules: SAMPLE_METRIC_RULES,
        escalation: { policies: [SAMPLE_POLICY], defaultPolicy: 'sample' },
        options: { idleAfterMs: 2_000 },
      },
    ],
    drive: async (handle) => {
      const sample = (value: number) => ({
        name: 'disk.used_percent',
        value,
        unit: '%',
        tags: { host: 'db-1' },
        at: Date.now(),
      });
      const until = async (done: (totals: { raised: number; resolved: number }) => boolean) => {
        while (!done((await handle.query(workflows.metricEvaluatorStatusQuery)).totals))
          await new Promise((resolve) => setTimeout(resolve, 200));
      };
      await handle.signal(workflows.metricSamplesSignal, { samples: [sample(95)] });
      await until((t) => t.raised === 1);
      await handle.signal(workflows.metricSamplesSignal, { samples: [sample(40)] });
      await until((t) => t.resolved === 1);
    },
  },
  incident: {
    args: [
      {
        key: 'inc-history-sample',
        title: 'Disk full on db-1',
        severity: 'critical',
        firstAlert: { dedupKey: 'history-sample', summary: 'Disk full on db-1', severity: 'critical' },
      },
    ],
    // A join, a responder (Update) and a note (Signal), a refused note (Signal: recorded), the walk to resolved.
    drive: async (handle) => {
      await handle.signal(workflows.joinIncidentSignal, {
        dedupKey: 'history-sample-2',
        summary: 'Replication lag',
        severity: 'error',
      });
      await handle.executeUpdate(workflows.addResponderUpdate, {
        args: [{ actor: 'ops:ann', roles: ['operator'], responder: 'sre-lead@example.com', role: 'commander' }],
      });
      await handle.signal(workflows.incidentNoteSignal, {
        actor: 'ops:ann',
        roles: ['operator'],
        note: 'failing over',
      });
      await handle.signal(workflows.incidentNoteSignal, { actor: 'visitor', roles: [], note: 'hello' }); // no role: recorded
      for (const status of ['identified', 'monitoring', 'resolved'] as const) {
        await handle.executeUpdate(workflows.incidentStatusUpdate, {
          args: [{ actor: 'ops:ann', roles: ['operator'], status }],
        });
      }
    },
  },
  incidentReview: {
    // A refused completion (Signal, no role: recorded), then the review done.
    args: [sampleIncidentSnapshot()],
    drive: async (handle) => {
      await handle.signal(workflows.reviewDoneSignal, { actor: 'visitor', roles: [] });
      await handle.executeUpdate(workflows.reviewDoneUpdate, {
        args: [{ actor: 'ops:ann', roles: ['operator'], note: 'review held' }],
      });
    },
  },
  complianceReview: {
    // The example plan (door D3 too narrow): corrections, a refused decision by the applicant
    // and a refused resubmission without an actor (signals), the fixed version resubmitted,
    // approved: every handler and both clocks.
    args: [
      {
        planId: 'PLAN-EXAMPLE-1',
        jurisdiction: 'IBC-2021',
        applicant: { id: 'arch-amy', email: 'amy@architects.example' },
        reviewers: ['rev-ray'],
        supervisor: 'sup-sam',
        asOf: '2026-11-01',
        submission: { planVersion: 1, plan: examplePlan(), documents: SAMPLE_PLAN_DOCUMENTS },
      },
    ],
    drive: async (handle) => {
      const statusIs = async (status: string) => {
        while ((await handle.query(workflows.complianceStatusQuery)).status !== status)
          await new Promise((resolve) => setTimeout(resolve, 200));
      };
      await statusIs('corrections_required');
      await handle.signal(workflows.complianceDecideSignal, { decision: 'approve', actor: 'arch-amy' }); // not a reviewer: recorded
      // No actor (as the Web UI could send it): refused and recorded.
      const withoutActor = { planVersion: 1, plan: examplePlan(36), documents: [] };
      await handle.signal(workflows.complianceResubmitSignal, withoutActor as unknown as ResubmissionRequest);
      await handle.executeUpdate(workflows.complianceResubmitUpdate, {
        args: [{ planVersion: 2, plan: examplePlan(36), documents: SAMPLE_PLAN_DOCUMENTS, actor: 'arch-amy' }],
      });
      await statusIs('in_review');
      await handle.executeUpdate(workflows.complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'rev-ray', comments: [{ element: 'D3', comment: 'Widened to 36 in' }] }],
      });
    },
  },
  'complianceReview-carried': {
    // A run that starts from a carried state (the one before it continued as new while waiting
    // on the applicant after corrections): the fixed plan resubmitted, approved, closed.
    workflowType: 'complianceReview',
    workflowId: 'compliance/PLAN-EXAMPLE-1',
    args: () => {
      const input = {
        planId: 'PLAN-EXAMPLE-1',
        jurisdiction: 'IBC-2021',
        applicant: { id: 'arch-amy', email: 'amy@architects.example' },
        reviewers: ['rev-ray'],
        supervisor: 'sup-sam',
        asOf: '2026-11-01',
        submission: { planVersion: 1, plan: examplePlan(), documents: SAMPLE_PLAN_DOCUMENTS },
        options: { messagesPerRun: 3 },
      };
      const before = new PlanReview(input, Date.now(), { bounded: true });
      before.openCycle(input.submission, 'arch-amy', Date.now());
      before.returnToApplicant('corrections_required', Date.now());
      before.recordRefused('resubmit', { actor: 'mallory' }, 'only the applicant (arch-amy) resubmits', Date.now());
      return [{ ...input, carried: before.carried('awaiting_resubmission') }];
    },
    drive: async (handle) => {
      await handle.executeUpdate(workflows.complianceResubmitUpdate, {
        args: [{ planVersion: 2, plan: examplePlan(36), documents: SAMPLE_PLAN_DOCUMENTS, actor: 'arch-amy' }],
      });
      while ((await handle.query(workflows.complianceStatusQuery)).status !== 'in_review')
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'rev-ray', comments: [{ element: 'D3', comment: 'Widened to 36 in' }] }],
      });
    },
  },
  'complianceReview-continued': {
    // The plan by reference (stored first), the bounded state and a continue-as-new while
    // waiting on the applicant: corrections, three refused resubmissions (not the applicant)
    // and the run continues as new after its third message (options.messagesPerRun).
    workflowType: 'complianceReview',
    workflowId: 'compliance/PLAN-EXAMPLE-1',
    continuesAsNew: true,
    prepare: async (store) => {
      await new BlobStore(store.db).put(examplePlan() as JsonValue);
    },
    args: () => [
      {
        planId: 'PLAN-EXAMPLE-1',
        jurisdiction: 'IBC-2021',
        applicant: { id: 'arch-amy', email: 'amy@architects.example' },
        reviewers: ['rev-ray'],
        supervisor: 'sup-sam',
        asOf: '2026-11-01',
        submission: {
          planVersion: 1,
          planRef: {
            sha256: contentHash(examplePlan() as JsonValue),
            bytes: canonicalBytes(examplePlan() as JsonValue),
          },
          documents: SAMPLE_PLAN_DOCUMENTS,
        },
        options: { messagesPerRun: 3 },
      },
    ],
    drive: async (handle) => {
      while ((await handle.query(workflows.complianceStatusQuery)).status !== 'corrections_required')
        await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < 3; i++)
        await handle.signal(workflows.complianceResubmitSignal, {
          planVersion: 2,
          plan: examplePlan(36),
          documents: SAMPLE_PLAN_DOCUMENTS,
          actor: 'mallory',
        });
    },
  },
  'alertEscalation-continued': {
    // Notified at level 1, then three duplicate triggers: the run continues as new after its
    // third message (options.messagesPerRun), carrying the alert.
    workflowType: 'alertEscalation',
    workflowId: 'alert/history-sample-continued',
    continuesAsNew: true,
    searchAttributes: SAMPLE_ALERT_SEARCH_ATTRIBUTES(),
    args: [
      {
        event: { ...SAMPLE_ALERT, dedupKey: 'history-sample-continued' },
        intakeId: 'history-sample-continued-intake',
        policy: SAMPLE_POLICY,
        options: { messagesPerRun: 3 },
      },
    ],
    drive: async (handle) => {
      while ((await handle.query(workflows.alertStatusQuery)).level < 1)
        await new Promise((resolve) => setTimeout(resolve, 200));
      for (let i = 0; i < 3; i++)
        await handle.signal(workflows.sourceEventSignal, {
          event: { ...SAMPLE_ALERT, dedupKey: 'history-sample-continued' },
          intakeId: `history-sample-duplicate-${i}`,
        });
    },
  },
  'alertEscalation-escalated': {
    // Level 1 notified, then an operator escalates now: level 2 is paged, the alert resolved
    // (decides patch escalate-past-the-step-going-out at its start).
    workflowType: 'alertEscalation',
    workflowId: 'alert/history-sample-escalated',
    args: [
      {
        event: { ...SAMPLE_ALERT, dedupKey: 'history-sample-escalated' },
        intakeId: 'history-sample-escalated-intake',
        policy: SAMPLE_POLICY,
      },
    ],
    drive: async (handle) => {
      while ((await handle.query(workflows.alertStatusQuery)).level < 1)
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.escalateNowUpdate, { args: [{ actor: 'ops:ann', roles: ['operator'] }] });
      while ((await handle.query(workflows.alertStatusQuery)).level < 2)
        await new Promise((resolve) => setTimeout(resolve, 200));
      await handle.executeUpdate(workflows.resolveUpdate, { args: [{ actor: 'ops:ann', roles: ['operator'] }] });
    },
  },
  'alertEscalation-carried': {
    // The run after a continue-as-new: it starts from the carried alert (level 1 notified a
    // minute ago, its last timeline entry not audited yet), is acknowledged and resolved.
    workflowType: 'alertEscalation',
    workflowId: 'alert/history-sample-carried',
    args: () => {
      const event = { ...SAMPLE_ALERT, dedupKey: 'history-sample-carried' };
      const carried = AlertState.open(event, SAMPLE_POLICY, Date.now() - 120_000);
      carried.markNotified({ cycle: 1, round: 1, level: 1 }, Date.now() - 60_000);
      return [
        {
          event,
          intakeId: 'history-sample-carried-intake',
          policy: SAMPLE_POLICY,
          carried: { state: carried.carried(), unaudited: 1 },
        },
      ];
    },
    drive: async (handle) => {
      await handle.executeUpdate(workflows.acknowledgeUpdate, { args: [{ actor: 'ops:ann', roles: ['operator'] }] });
      await handle.executeUpdate(workflows.resolveUpdate, { args: [{ actor: 'ops:ann', roles: ['operator'] }] });
    },
  },
  'incident-continued': {
    // A responder, then three notes: the run continues as new after its fourth message, carrying the incident.
    workflowType: 'incident',
    workflowId: 'incident/inc-history-sample-continued',
    continuesAsNew: true,
    args: [
      {
        key: 'inc-history-sample-continued',
        title: 'Disk full on db-1',
        severity: 'critical',
        firstAlert: { dedupKey: 'history-sample', summary: 'Disk full on db-1', severity: 'critical' },
        options: { messagesPerRun: 4 },
      },
    ],
    drive: async (handle) => {
      await handle.executeUpdate(workflows.addResponderUpdate, {
        args: [{ actor: 'ops:ann', roles: ['operator'], responder: 'sre-lead@example.com', role: 'commander' }],
      });
      for (let i = 0; i < 3; i++)
        await handle.signal(workflows.incidentNoteSignal, { actor: 'ops:ann', roles: ['operator'], note: `note ${i}` });
    },
  },
  'incident-carried': {
    // The run after a continue-as-new: it starts from the carried incident (a joined alert,
    // its last entry not audited yet) and is walked to resolved.
    workflowType: 'incident',
    workflowId: 'incident/inc-history-sample-carried',
    args: () => {
      const alert = { dedupKey: 'history-sample', summary: 'Disk full on db-1', severity: 'critical' as const };
      const carried = Incident.open('inc-history-sample-carried', alert, 'alert:history-sample', Date.now() - 60_000);
      carried.join({ dedupKey: 'history-sample-2', summary: 'Replication lag', severity: 'error' }, Date.now());
      return [
        {
          key: 'inc-history-sample-carried',
          title: 'Disk full on db-1',
          severity: 'critical',
          firstAlert: alert,
          carried: { state: carried.snapshot(), unaudited: 1 },
        },
      ];
    },
    drive: async (handle) => {
      for (const status of ['identified', 'resolved'] as const)
        await handle.executeUpdate(workflows.incidentStatusUpdate, {
          args: [{ actor: 'ops:ann', roles: ['operator'], status }],
        });
    },
  },
};

const HISTORIES_DIR = path.resolve(__dirname, '..', 'test', 'histories');

/** The types named on the command line, else all; an unknown name is refused before anything runs. */
function selectedSamples(names: string[]): [string, Sample][] {
  const unknown = names.filter((name) => !Object.hasOwn(SAMPLES, name));
  if (unknown.length > 0) {
    console.error(`no sample for ${unknown.join(', ')}; workflow types: ${Object.keys(SAMPLES).join(', ')}`);
    process.exit(2);
  }
  return Object.entries(SAMPLES).filter(([type]) => names.length === 0 || names.includes(type));
}

async function main(): Promise<void> {
  const samples = selectedSamples(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: localDevServerOptions(),
  });
  const store = await openStore({ inMemory: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-histories-'));
  try {
    const taskQueue = 'record-histories';
    // The production activities, and the pipelines' (a data dir for workspaces and kept files).
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await buildWorkflowBundle(),
      activities: {
        ...createActivities({ store, sync: SAMPLE_SYNC_CONFIG }),
        ...createPipelineActivities({ store, dataDir }),
        ...createQualityActivities({ store, dataDir }),
        ...createGithubActivities({ store }),
      },
      shutdownGraceTime: '10 seconds',
    });
    mkdirSync(HISTORIES_DIR, { recursive: true });
    await worker.runUntil(async () => {
      for (const [type, sample] of samples) {
        await sample.prepare?.(store);
        const handle = await env.client.workflow.start(sample.workflowType ?? type, {
          taskQueue,
          workflowId: sample.workflowId ?? `history-sample/${type}`,
          args: typeof sample.args === 'function' ? await sample.args(dataDir) : sample.args,
          ...(sample.searchAttributes ? { typedSearchAttributes: sample.searchAttributes } : {}),
        });
        await sample.drive?.(handle, store);
        const recorded = sample.continuesAsNew
          ? env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId)
          : handle;
        if (sample.continuesAsNew) await continuedAsNew(recorded);
        else await handle.result();
        const file = path.join(HISTORIES_DIR, `${type}.json`);
        writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(await recorded.fetchHistory())), null, 2)}\n`);
        if (sample.continuesAsNew) await handle.terminate('history recorded');
        console.log(`recorded ${path.relative(process.cwd(), file)}`);
      }
    });
  } finally {
    sampleRepo?.remove();
    sampleKubectl?.remove();
    await sampleService?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await store.close();
    await env.teardown();
  }
}

/** Waits until the run continued as new (a minute at most). */
async function continuedAsNew(run: WorkflowHandle): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if ((await run.describe()).status.name === 'CONTINUED_AS_NEW') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${run.workflowId} did not continue as new`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
