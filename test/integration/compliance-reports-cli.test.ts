import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { ComplianceReports } from '../../db/compliance-reports';
import { openStore, type Store } from '../../db/store';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import { writeServiceFile } from '../../platform/service-file';
import { REVIEW_TEAMS, reviewStartBody, submission } from '../fixtures/compliance-review';
import { runArxflow } from '../support/cli-process';
import { runArxflowInProcess } from '../support/cli-in-process';
import { call, startGateway, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';
import { seedMigratedPglite } from '../support/pglite-template';

/** The CLI as a user runs it in a shell where nothing arxflow is set but the data dir. */
const cleanEnv = (dataDir: string, extra: Record<string, string | undefined> = {}) => ({
  ARXFLOW_DATA_DIR: dataDir,
  DATABASE_URL: undefined,
  ARXFLOW_URL: undefined,
  ARXFLOW_TOKEN: undefined,
  ARXFLOW_ACTOR: undefined,
  TEMPORAL_ADDRESS: undefined,
  ARXFLOW_JWT_SECRET: undefined,
  ARXFLOW_JWKS_URL: undefined,
  ...extra,
});

/**
 * No service runs: the CLI reads the data dir's store itself, as before. In this process (the
 * CLI's code as a child runs it; no lock to prove here): a child would load PGlite for each call.
 */
describe('arxflow compliance reports on the store (no service running)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-reports-'));
  const cli = (...args: string[]) => runArxflowInProcess(args, cleanEnv(dataDir));

  beforeAll(async () => {
    seedMigratedPglite(dataDir); // a migrated store to start from: the reports are the subject, not initdb
    const store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
    const reports = new ComplianceReports(store.db);
    const base = { workflowId: 'compliance/P-9', planId: 'P-9', cycle: 1, kind: 'corrections' as const };
    await reports.put({
      ...base,
      key: 'compliance/P-9/cycle-1/corrections.csv',
      format: 'csv',
      body: Buffer.from('rule,elements\r\nIBC-1010.1.1,D3\r\n'),
    });
    await reports.put({
      ...base,
      key: 'compliance/P-9/cycle-1/corrections.pdf',
      format: 'pdf',
      body: Buffer.from('%PDF-1.3 fake'),
    });
    expect(
      await reports.put({
        ...base,
        key: 'compliance/P-9/cycle-1/corrections.csv',
        format: 'csv',
        body: Buffer.from('again'),
      }),
    ).toBe(false);
    await store.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists, prints and writes reports; a PDF needs --out; an unknown key or export says so', async () => {
    const listed = await cli('compliance', 'reports', 'P-9', '--json');
    expect(JSON.parse(listed.stdout).map((r: { key: string }) => r.key)).toEqual([
      'compliance/P-9/cycle-1/corrections.csv',
      'compliance/P-9/cycle-1/corrections.pdf',
    ]);
    expect((await cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.csv')).stdout).toBe(
      'rule,elements\r\nIBC-1010.1.1,D3\r\n',
    );
    expect(await cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.pdf')).toMatchObject({ status: 2 });
    const out = path.join(dataDir, 'r.pdf');
    await cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.pdf', '--out', out);
    expect(existsSync(out) && readFileSync(out, 'latin1')).toBe('%PDF-1.3 fake');
    expect(await cli('compliance', 'report', 'nope')).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('no report with key "nope"'),
    });
    expect(await cli('compliance', 'export', 'P-9')).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('no jurisdiction export for plan "P-9"'),
    });
  });
});

/**
 * A service holds the data dir's PGlite store (this process, as `npm start` would: its lock
 * refuses any other opener) and says where its gateway is in service.json. Every command
 * below runs with nothing set but the data dir (and the secret the service signs with), so
 * the CLI must find the gateway itself and never open the store.
 */
describe('arxflow compliance reports while the service runs (found by service.json)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-reports-svc-'));
  const taskQueue = uniqueTaskQueue('reports-cli');
  let env: TestWorkflowEnvironment;
  let store: Store;
  let worker: Worker;
  let workerRun: Promise<void>;
  let app: FastifyInstance;
  let url: string;
  const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runArxflow(args, cleanEnv(dataDir, { ARXFLOW_JWT_SECRET: TEST_SETTINGS.auth.jwtSecret, ...extra }));
  const json = async (args: string[], extra: Record<string, string | undefined> = {}) => {
    const result = await cli([...args, '--json'], extra);
    if (result.status !== 0) throw new Error(`arxflow ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const reviewStatus = async (planId: string) =>
    (await json(['workflows', 'query', `compliance/${planId}`, 'status'])).result as ReviewStatusView;
  const waitForStatus = async (planId: string, wanted: ReviewStatusView['status']) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const status = await env.client.workflow
        .getHandle(`compliance/${planId}`)
        .query<ReviewStatusView>('status')
        .catch(() => undefined);
      if (status?.status === wanted) return status;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`compliance/${planId} never reached ${wanted}`);
  };

  beforeAll(async () => {
    seedMigratedPglite(dataDir); // a migrated store to start from, not initdb
    // Both settle before a failure is thrown, so afterAll closes whichever did start.
    const started = await Promise.allSettled([
      startDevServerEnv().then((started) => (env = started)),
      openStore({ pgliteDir: path.join(dataDir, 'pglite') }).then((opened) => (store = opened)),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    worker = await createTestWorker(env, taskQueue, { store });
    workerRun = worker.run();
    ({ app, url } = await startGateway(env, store, taskQueue, { compliance: REVIEW_TEAMS }));
    writeServiceFile(dataDir, {
      pid: process.pid,
      gatewayUrl: url,
      temporalAddress: env.connection?.options.address ?? 'dev-server',
      namespace: env.namespace ?? 'default',
      startedAt: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    await app?.close();
    worker?.shutdown();
    await workerRun;
    await env?.teardown();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a review through the found gateway and reads every report and the export, without stopping anything', async () => {
    // Who acts is ARXFLOW_ACTOR, as on Temporal directly: the CLI mints a short-lived token for it.
    const started = await json(
      ['workflows', 'start', 'complianceReview', '--input', JSON.stringify(reviewStartBody('SVC-1'))],
      {
        ARXFLOW_ACTOR: 'arch-amy',
      },
    );
    expect(started).toMatchObject({ workflowId: 'compliance/SVC-1' });
    const corrections = await waitForStatus('SVC-1', 'corrections_required');
    expect(corrections.applicant).toBe('arch-amy');
    expect((await reviewStatus('SVC-1')).status).toBe('corrections_required');

    const listed = (await json(['compliance', 'reports', 'SVC-1'])) as { key: string; format: string }[];
    expect(listed.map((r) => r.format).sort()).toEqual(['csv', 'html', 'json', 'pdf']);
    const keyOf = (format: string) => listed.find((r) => r.format === format)!.key;

    const csv = await cli(['compliance', 'report', keyOf('csv')]);
    expect(csv).toMatchObject({ status: 0, stdout: expect.stringContaining('D3') });
    const html = await cli(['compliance', 'report', keyOf('html')]);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    const model = JSON.parse((await cli(['compliance', 'report', keyOf('json')])).stdout);
    expect(model).toMatchObject({ planId: 'SVC-1', kind: 'corrections' });
    expect(await cli(['compliance', 'report', keyOf('pdf')])).toMatchObject({ status: 2 });
    const pdf = path.join(dataDir, 'corrections.pdf');
    expect(await cli(['compliance', 'report', keyOf('pdf'), '--out', pdf])).toMatchObject({ status: 0 });
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await cli(['compliance', 'report', 'compliance/SVC-1/no-such'])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('no report with key "compliance/SVC-1/no-such"'),
    });
    expect(await cli(['compliance', 'export', 'SVC-1'])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('no jurisdiction export for plan "SVC-1"'),
    });

    // The applicant resubmits and the reviewer approves, each as ARXFLOW_ACTOR; the review ends and exports.
    await json(
      [
        'workflows',
        'update',
        'compliance/SVC-1',
        'resubmitPlan',
        '--body',
        JSON.stringify(submission('SVC-1', 2, { fixDoor: true })),
      ],
      { ARXFLOW_ACTOR: 'arch-amy' },
    );
    await waitForStatus('SVC-1', 'in_review');
    await json(['workflows', 'update', 'compliance/SVC-1', 'reviewDecision', '--body', '{"decision":"approve"}'], {
      ARXFLOW_ACTOR: 'rev-ray',
    });
    const approved = await waitForStatus('SVC-1', 'approved');
    expect(approved.cycles[1]!.decision).toMatchObject({ actor: 'rev-ray', decision: 'approve' });
    const record = JSON.parse((await cli(['compliance', 'export', 'SVC-1'])).stdout);
    expect(record).toMatchObject({ recordType: 'arxflow.permit-review/1', planId: 'SVC-1', statusCurrent: 'Issued' });
    const kinds = ((await json(['compliance', 'reports', 'SVC-1'])) as { kind: string }[]).map((r) => r.kind);
    expect(new Set(kinds)).toEqual(new Set(['corrections', 'final', 'jurisdiction-export']));
  });

  it('the routes: content types per format, 404 naming the key or plan, a reader role required', async () => {
    const viewer = await tokenFor('vera', 'viewer');
    const list = await call(`${url}/v1/compliance/plans/SVC-1/reports?format=pdf`, { token: viewer });
    expect(list.status).toBe(200);
    const reports = list.json.reports as { key: string; kind: string; format: string }[];
    expect(reports.map((r) => r.format)).toEqual(['pdf', 'pdf']); // corrections and final
    const all = (await call(`${url}/v1/compliance/plans/SVC-1/reports`, { token: viewer })).json.reports as {
      key: string;
      format: string;
    }[];
    const expected = { html: 'text/html', pdf: 'application/pdf', json: 'application/json', csv: 'text/csv' };
    for (const report of all) {
      const response = await fetch(`${url}/v1/compliance/reports/${encodeURIComponent(report.key)}`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect({ key: report.key, status: response.status, type: response.headers.get('content-type') }).toEqual({
        key: report.key,
        status: 200,
        type: expect.stringContaining(expected[report.format as keyof typeof expected]),
      });
    }
    const exported = await call(`${url}/v1/compliance/plans/SVC-1/export`, { token: viewer });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/json');
    expect(exported.json).toMatchObject({ recordType: 'arxflow.permit-review/1', planId: 'SVC-1' });

    const missing = await call(`${url}/v1/compliance/reports/${encodeURIComponent('compliance/SVC-1/x.pdf')}`, {
      token: viewer,
    });
    expect(missing).toMatchObject({
      status: 404,
      json: { error: 'not_found', message: 'no report with key "compliance/SVC-1/x.pdf"' },
    });
    const noExport = await call(`${url}/v1/compliance/plans/NOPE/export`, { token: viewer });
    expect(noExport).toMatchObject({
      status: 404,
      json: { error: 'not_found', message: expect.stringContaining('"NOPE"') },
    });
    const badFilter = await call(`${url}/v1/compliance/plans/SVC-1/reports?format=docx`, { token: viewer });
    expect(badFilter.status).toBe(400);
    expect(badFilter.text).toContain('querystring.format');

    const roleless = await tokenFor('nora');
    for (const path of [
      '/v1/compliance/plans/SVC-1/reports',
      `/v1/compliance/reports/${encodeURIComponent(all[0]!.key)}`,
      '/v1/compliance/plans/SVC-1/export',
    ]) {
      expect((await call(`${url}${path}`, { token: roleless })).status).toBe(403);
      expect((await call(`${url}${path}`)).status).toBe(401);
    }
    // The CLI with a token that holds no reader role is refused the same way (exit 1, the gateway's reason).
    expect(await cli(['compliance', 'reports', 'SVC-1'], { ARXFLOW_TOKEN: roleless })).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('role'),
    });
  });

  it('the CLI never opens the held store; TEMPORAL_ADDRESS naming another Temporal means direct mode, and says why not', async () => {
    // Direct mode would open the PGlite store this process holds: the lock refuses it.
    const direct = await cli(['compliance', 'reports', 'SVC-1'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain(`open in process ${process.pid}`);
    // A token signed with another secret: the 401 says where the token came from.
    const wrongSecret = await cli(['compliance', 'reports', 'SVC-1'], {
      ARXFLOW_JWT_SECRET: 'another-secret-that-is-at-least-32-characters',
    });
    expect(wrongSecret).toMatchObject({ status: 1, stderr: expect.stringContaining('ARXFLOW_JWT_SECRET') });
  });
});
