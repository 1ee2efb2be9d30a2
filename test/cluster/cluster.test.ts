import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { AnchorKey } from '../../db/audit-log';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import { openStore, type Store } from '../../db/store';
import type { Role } from '../../domain/roles';
import { parseSettings } from '../../domain/settings';
import { createToken } from '../../platform/tokens';
import { reviewStartBody } from '../fixtures/compliance-review';
import { drawRequest, programDefinition, setUpFundingProject } from '../fixtures/funding-gate';
import { runArxflowInProcess } from '../support/cli-in-process';
import { runArxflow } from '../support/cli-process';
import { call } from '../support/gateway';
import {
  alive,
  clusterEnv,
  identitiesOf,
  readClusterState,
  recordedPids,
  runCluster,
  startTestCluster,
  stopTestCluster,
} from './cluster-process';

// The production topology on this machine (issue #18): `npm run cluster` starts PostgreSQL,
// Temporal Server on it, two worker processes, the gateway and the Web UI server; arxflow's
// work runs through it end to end (a funding gate, an alert, a compliance review), one worker is killed with SIGKILL and the other finishes
// its work, each payment made once; `npm run cluster -- stop` leaves nothing running.
describe('npm run cluster: arxflow on Temporal Server and PostgreSQL, two workers', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-cluster-'));
  let env: Record<string, string>;
  let state: ReturnType<typeof readClusterState>;
  let store: Store;
  // Unset when the start never returned: the stop then checks what the cluster recorded.
  let processesWhileRunning: ReturnType<typeof identitiesOf> | undefined;

  beforeAll(async () => {
    // The shipped config file with a plan review team, as an operator configures one for reviews.
    const config = path.join(dataDir, 'arxflow.config.yaml');
    writeFileSync(
      config,
      readFileSync(path.join(__dirname, '../../arxflow.config.yaml'), 'utf8').replace(
        /^ {2}jurisdictions: \[\]$/m,
        '  jurisdictions:\n    - { id: IBC-2021, reviewers: [rev-ray, rev-rosa], supervisor: sup-sam }',
      ),
    );
    env = { ...(await clusterEnv(dataDir)), ARXFLOW_CONFIG: config };
    const cluster = await startTestCluster([], env, dataDir);
    expect(cluster.started.stdout).toMatch(/arxflow cluster is running/);
    ({ state, processes: processesWhileRunning } = cluster);
    store = await openStore({ databaseUrl: state.databaseUrl }, { auditKey: new AnchorKey(state.secrets.auditKey) });
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    // Nothing left running: every process the cluster recorded, and its PostgreSQL.
    const { status, left } = await stopTestCluster(env, dataDir, processesWhileRunning);
    expect(status).toBe(0);
    expect(left).toEqual([]);
  }, 180_000);

  /** The gateway's development secret lives in its data dir: tokens minted from it are the gateway's own. */
  const as = async (subject: string, ...roles: string[]) => ({
    ARXFLOW_URL: state.gatewayUrl,
    ARXFLOW_TOKEN: await createToken(parseSettings({ ARXFLOW_DATA_DIR: dataDir }), { subject, roles: roles as Role[] }),
  });
  const arxflow = async (args: string[], extraEnv: Record<string, string>) => {
    const result = await runArxflowInProcess(args, extraEnv);
    if (result.status !== 0) throw new Error(`arxflow ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  const count = async (sql: string, params: unknown[]) => (await store.db.query<{ n: number }>(sql, params))[0]!.n;

  it('a second npm run cluster says it runs and exits 0; arxflow health reports Temporal on postgres', async () => {
    const again = await runCluster([], env, 120_000);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already running/);
    expect(recordedPids(dataDir).sort()).toEqual(processesWhileRunning!.map((p) => p.pid).sort());

    // The CLI as a user runs it: a separate process, TEMPORAL_ADDRESS at the cluster.
    const health = await runArxflow(['health', '--json'], {
      TEMPORAL_ADDRESS: state.temporalAddress,
      ARXFLOW_DATA_DIR: dataDir,
      ARXFLOW_URL: undefined,
      ARXFLOW_TOKEN: undefined,
    });
    expect(health.stderr).toBe('');
    expect(JSON.parse(health.stdout)).toMatchObject({
      ok: true,
      status: 'healthy',
      database: 'postgres',
      persistence: 'postgres',
      temporal: { persistenceStore: 'postgres12', visibilityStore: 'postgres12' },
    });
    // The standalone Web UI answers, and knows the gateway as its codec server (its TLS port:
    // the UI passes the login's access token to https only; web-ui-login.test.ts).
    const settings = await call(`${state.webUiUrl}/api/v1/settings`);
    expect(settings.status).toBe(200);
    expect(state.codecUrl).toMatch(/^https:\/\/localhost:\d+\/codec$/);
    expect(JSON.stringify(settings.json)).toContain(state.codecUrl);
  });

  it('a funding gate from start to disbursement through the gateway, paid once', async () => {
    const projectId = 'CLUSTER1';
    await fund(projectId);
    await setUpFundingProject(store, projectId);
    const gc = await as('gc-alex', 'operator');
    const file = path.join(dataDir, 'draw.json');
    writeFileSync(file, JSON.stringify(drawRequest({ projectId, milestoneId: 'M1' })));
    await arxflow(['funding', 'start', file, '--json'], gc);
    await arxflow(
      ['funding', 'evidence', projectId, 'M1', '--body', '{"kind":"document","name":"schedule-of-values"}'],
      gc,
    );
    const waiver =
      '{"kind":"lien_waiver","waiverType":"conditional-progress","from":"acme-builders","throughDate":"2026-11-30","amount":3000000}';
    await arxflow(['funding', 'evidence', projectId, 'M1', '--body', waiver], gc);
    await arxflow(['funding', 'approve', projectId, 'M1'], await as('rita', 'approver'));
    await arxflow(['funding', 'approve', projectId, 'M1'], await as('sam', 'approver', 'signatory'));

    const status = await statusWhen(projectId, 'M1', gc, (s) => s.status === 'disbursed');
    expect(status.status).toBe('disbursed');
    expect(
      await count(
        "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
        [`funding-gate/${projectId}/M1`],
      ),
    ).toBe(1);
  });

  it('an alert from intake through acknowledge to resolve, found by its search attributes on PostgreSQL visibility', async () => {
    const raised = await call(`${state.gatewayUrl}/v1/events`, {
      body: {
        routing_key: 'CLUSTERROUTING',
        event_action: 'trigger',
        dedup_key: 'cluster-disk',
        payload: { summary: 'cluster-disk is full', source: 'host-1', severity: 'warning' },
      },
    });
    expect(raised.status).toBe(202);
    const ops = await as('olga', 'operator');
    // Listing is eventually consistent (visibility): the workflow appears within seconds.
    const acked = await retry(() => arxflow(['alerts', 'ack', 'cluster-disk', '--note', 'looking', '--json'], ops));
    expect(JSON.parse(acked)).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'olga' } });
    const resolved = JSON.parse(await arxflow(['alerts', 'resolve', 'cluster-disk', '--note', 'freed', '--json'], ops));
    expect(resolved).toMatchObject({ status: 'resolved' });
  });

  it('a compliance review from a submitted plan to corrections required, its reports in the store', async () => {
    const applicant = await as('arch-amy', 'operator');
    const started = JSON.parse(
      await arxflow(
        [
          'workflows',
          'start',
          'complianceReview',
          '--input',
          JSON.stringify(reviewStartBody('CLUSTER-PLAN')),
          '--json',
        ],
        applicant,
      ),
    );
    expect(started).toMatchObject({ workflowId: 'compliance/CLUSTER-PLAN' });
    // The example plan has a door too narrow: checked by a worker, the review asks for corrections.
    const status = await retry(async () => {
      const view = JSON.parse(
        await arxflow(['workflows', 'query', 'compliance/CLUSTER-PLAN', 'status', '--json'], applicant),
      ).result as { status: string; applicant: string };
      if (view.status !== 'corrections_required') throw new Error(`review is ${view.status}`);
      return view;
    }, 120_000);
    expect(status).toMatchObject({ status: 'corrections_required', applicant: 'arch-amy' });
    const listed = JSON.parse(await arxflow(['compliance', 'reports', 'CLUSTER-PLAN', '--json'], applicant)) as {
      format: string;
    }[];
    expect(listed.map((r) => r.format).sort()).toEqual(['csv', 'html', 'json', 'pdf']);
  });

  it('kill -9 of one worker mid-work: the other finishes every draw, each paid exactly once', async () => {
    const projects = ['KILL1', 'KILL2', 'KILL3', 'KILL4', 'KILL5', 'KILL6'];
    // No conditions: the second approval makes each draw payable at once.
    const definition = programDefinition({ conditions: [] });
    const gc = await as('gc-alex', 'operator');
    for (const projectId of projects) {
      await fund(projectId);
      await setUpFundingProject(store, projectId, { definition });
      const file = path.join(dataDir, `${projectId}.json`);
      writeFileSync(file, JSON.stringify(drawRequest({ projectId, milestoneId: 'M1' })));
      await arxflow(['funding', 'start', file, '--json'], gc);
      await arxflow(['funding', 'approve', projectId, 'M1'], await as('rita', 'approver'));
    }
    const [victim, survivor] = state.workers;
    // Both workers have run these workflows' tasks so far (sticky caches on each). The first
    // worker dies in the middle of the signatures: disbursements under way on it, and later
    // signatures sent to workflows it holds in its cache.
    const signatory = await as('sam', 'approver', 'signatory');
    let killedAt = 0;
    for (const [index, projectId] of projects.entries()) {
      if (index === projects.length / 2) {
        process.kill(victim!.pid, 'SIGKILL');
        killedAt = Date.now();
      }
      await arxflow(['funding', 'approve', projectId, 'M1'], signatory);
    }

    for (const projectId of projects) {
      // With no conditional waiver to wait for, a paid draw completes at once.
      const status = await statusWhen(projectId, 'M1', gc, (s) => s.status === 'completed', 180_000);
      expect({ projectId, status: status.status }).toEqual({ projectId, status: 'completed' });
    }
    const failover = (Date.now() - killedAt) / 1000;
    console.log(`cluster: every draw disbursed ${failover.toFixed(1)} s after the kill`);
    expect(alive(victim!.pid)).toBe(false);
    expect(alive(survivor!.pid)).toBe(true);

    for (const projectId of projects) {
      const workflowId = `funding-gate/${projectId}/M1`;
      expect(
        await count(
          "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
          [workflowId],
        ),
      ).toBe(1);
      const payouts = await store.db.query<{ status: string }>(
        'SELECT status FROM ledger_payouts WHERE workflow_id = $1',
        [workflowId],
      );
      expect(payouts).toEqual([{ status: 'done' }]);
      for (const action of ['funding.released', 'funding.payment.sent'])
        expect(
          await count('SELECT count(*)::int AS n FROM audit_events WHERE subject = $1 AND action = $2', [
            `${workflowId}/release/1`,
            action,
          ]),
        ).toBe(1);
    }

    // The workers' own identities in the histories: the killed worker ran tasks of these
    // workflows, the survivor finished them (the histories say who completed what).
    const identities = await workerIdentities(projects.map((p) => `funding-gate/${p}/M1`));
    expect(identities.some((ids) => ids.has(`${victim!.pid}@`) && ids.has(`${survivor!.pid}@`))).toBe(true);
  }, 400_000);

  async function fund(projectId: string) {
    const ledger = new Ledger(store.db);
    await ledger.ensureAccount(ledgerAccounts.projectFunding(projectId), 'funding', 'USD');
    await ledger.fund(
      ledgerAccounts.projectFunding(projectId),
      10_000_000,
      `cluster-test/${projectId}`,
      'test deposit',
    );
  }

  async function statusWhen(
    projectId: string,
    milestoneId: string,
    extraEnv: Record<string, string>,
    done: (s: { status: string }) => boolean,
    timeoutMs = 120_000,
  ): Promise<{ status: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = JSON.parse(await arxflow(['funding', 'status', projectId, milestoneId, '--json'], extraEnv)) as {
        status: string;
      };
      if (done(status) || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Per workflow, the worker pids (as `<pid>@`) that completed a workflow or activity task in its history. */
  async function workerIdentities(workflowIds: string[]): Promise<Set<string>[]> {
    const connection = await Connection.connect({ address: state.temporalAddress });
    try {
      const { Client } = await import('@temporalio/client');
      const client = new Client({ connection, namespace: state.namespace });
      return await Promise.all(
        workflowIds.map(async (workflowId) => {
          const history = await client.workflow.getHandle(workflowId).fetchHistory();
          const ids = new Set<string>();
          for (const event of history.events ?? []) {
            const identity =
              event.workflowTaskCompletedEventAttributes?.identity ??
              event.workflowTaskStartedEventAttributes?.identity ??
              event.activityTaskStartedEventAttributes?.identity;
            const pid = identity ? /^(\d+)@/.exec(identity)?.[1] : undefined;
            if (pid) ids.add(`${pid}@`);
          }
          return ids;
        }),
      );
    } finally {
      await connection.close();
    }
  }
});

async function retry<T>(work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
