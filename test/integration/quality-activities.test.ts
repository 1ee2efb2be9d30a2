import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { smtpTransport } from '../../activities/notifications/channels';
import { createNotificationActivities } from '../../activities/notifications/deliver';
import { createQualityActivities, type QualityGateInput, type StoredFile } from '../../activities/quality';
import { QualityResults } from '../../db/quality-results';
import { openStore, type Store } from '../../db/store';
import { createGitRepo, type GitRepo } from '../support/git-repo';
import { startSmtpServer } from '../support/smtp-server';
import { INPUT_FILE_MAX_BYTES } from '../../platform/input-file';
import { storeBackends } from '../support/store-backends';
import { activityFailureOf } from '../support/activity-failure';

/** Runs the gate with a real activity context, as a worker would. */
const env = () =>
  new MockActivityEnvironment({ workflowExecution: { workflowId: 'quality/acme/site', runId: 'r' } } as never, {
    logger: new DefaultLogger('ERROR'),
  });

/** An activity run in a fresh environment, its result typed by the activity. */
const run = <A, R>(activity: (arg: A) => Promise<R>, arg: A): Promise<R> => env().run(activity, arg);

const failureOf = activityFailureOf;

const lcov = (file: string, hits: Record<number, number>) =>
  [
    'TN:',
    `SF:${file}`,
    ...Object.entries(hits).map(([line, n]) => `DA:${line},${n}`),
    `LF:${Object.keys(hits).length}`,
    `LH:${Object.values(hits).filter((n) => n > 0).length}`,
    'end_of_record',
    '',
  ].join('\n');

const junit = (cases: Record<string, 'passed' | 'failed'>) =>
  `<?xml version="1.0"?>\n<testsuites><testsuite name="unit" tests="${Object.keys(cases).length}">${Object.entries(
    cases,
  )
    .map(([name, status]) =>
      status === 'failed'
        ? `<testcase classname="math" name="${name}"><failure message="expected 2, got 3"/></testcase>`
        : `<testcase classname="math" name="${name}"/>`,
    )
    .join('')}</testsuite></testsuites>`;

const bench = (value: number) => JSON.stringify({ render: { value, unit: 'ms', better: 'lower' } });

describe.each(storeBackends('quality activities'))(
  'evaluateQualityGate on %s: real report files, a real git diff',
  (_, backend) => {
    let store: Store;
    let cleanup: () => Promise<void> = async () => undefined;
    let dataDir: string;
    let repo: GitRepo;
    let baseSha: string;
    let headSha: string;
    let files = 0;
    beforeAll(async () => {
      const opened = await backend();
      cleanup = opened.cleanup;
      store = await openStore(opened.location);
      dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-quality-'));
      repo = createGitRepo({ 'src/math.js': 'export const one = 1;\nexport const two = 2;\n' });
      baseSha = repo.sha();
      // The change adds lines 3 and 4; the coverage below runs line 3 and misses line 4.
      headSha = repo.commit({
        'src/math.js':
          'export const one = 1;\nexport const two = 2;\nexport const add = (a, b) => a + b;\nexport const neg = (a) => -a;\n',
      });
    });
    afterAll(async () => {
      await store?.close();
      await cleanup();
      repo?.remove();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** A report as finishPipelineJob keeps it: a copy under <dataDir>/pipelines/files, by reference. */
    const stored = (repoPath: string, content: string): StoredFile => {
      const ref = path.join(dataDir, 'pipelines', 'files', String(++files), repoPath);
      mkdirSync(path.dirname(ref), { recursive: true });
      writeFileSync(ref, content);
      return { path: repoPath, ref, bytes: Buffer.byteLength(content) };
    };
    const reports = (r: { coverage?: string; junit?: string; bench?: string }): QualityGateInput['reports'] => ({
      coverage: r.coverage === undefined ? [] : [stored('coverage/lcov.info', r.coverage)],
      junit: r.junit === undefined ? [] : [stored('reports/junit.xml', r.junit)],
      bench: r.bench === undefined ? [] : [stored('bench/results.json', r.bench)],
    });
    let runs = 0;
    const input = (overrides: Partial<QualityGateInput>): QualityGateInput => ({
      runId: `pipeline/acme/site/${headSha}/${++runs}`,
      repo: repo.dir,
      repoKey: 'acme/site',
      branch: 'main',
      sha: headSha,
      attempt: 1,
      reports: { coverage: [], junit: [], bench: [] },
      owners: [],
      ...overrides,
    });
    const sha = (n: number) => n.toString(16).padStart(40, 'c');
    const gate = (deps: Partial<Parameters<typeof createQualityActivities>[0]> = {}) =>
      createQualityActivities({ store, dataDir, ...deps }).evaluateQualityGate;
    const results = () => new QualityResults(store.db);

    it('passes coverage, tests and patch coverage measured on git diff base..head, and stores the verdict', async () => {
      const request = input({
        service: 'site-pass',
        branch: 'feature/add',
        base: { branch: 'main', sha: baseSha },
        reports: reports({
          coverage: lcov(path.join(repo.dir, 'src/math.js'), { 1: 1, 2: 1, 3: 4, 4: 0 }),
          junit: junit({ adds: 'passed', negates: 'passed' }),
        }),
        thresholds: { coverage: { lines: 70, patch: 50 }, tests: { maxFailed: 0 } },
      });
      const verdict = await run(gate(), request);
      expect(verdict.verdict).toBe('pass');
      expect(verdict.checks.map((c) => [c.name, c.passed, c.actual, c.required])).toEqual([
        ['coverage.lines', true, 75, 70],
        ['coverage.patch', true, 50, 50],
        ['tests.failed', true, 0, 0],
      ]);
      expect(verdict.checks.find((c) => c.name === 'coverage.patch')?.detail).toMatch(
        /1 of 2 changed lines.*src\/math.js 4/,
      );
      expect(verdict.remediation).toBeUndefined();
      const trend = await results().trend({ service: 'site-pass', metric: 'coverage.patch' });
      expect(trend).toEqual([
        expect.objectContaining({ sha: headSha, verdict: 'pass', value: 50, runId: request.runId }),
      ]);
    });

    it('fails patch coverage with git words when the base is not in the repository (never a silent pass)', async () => {
      const verdict = await run(
        gate(),
        input({
          service: 'site-nobase',
          base: { branch: 'main', sha: 'f'.repeat(40) },
          reports: reports({ coverage: lcov('src/math.js', { 1: 1 }) }),
          thresholds: { coverage: { patch: 80 } },
        }),
      );
      expect(verdict.verdict).toBe('fail');
      expect(verdict.checks[0]).toMatchObject({ name: 'coverage.patch', passed: false, actual: null });
      expect(verdict.checks[0]?.detail).toMatch(/git diff ffffff/);
    });

    it('compares a benchmark with the median of the last green runs of the base branch, not one run', async () => {
      const service = 'site-bench';
      const thresholds = { benchmarks: { maxRegressionPercent: 10, baselineRuns: 3 } };
      // Seeding runs allow any regression, so each of them is green.
      const seeding = { benchmarks: { maxRegressionPercent: 1000, baselineRuns: 3 } };
      // Four green runs on main (the oldest falls outside the last 3) and one red run (never a baseline).
      for (const [i, value] of [
        [1, 500],
        [2, 100],
        [3, 110],
        [4, 300],
      ] as const)
        expect(
          (
            await run(
              gate(),
              input({ service, sha: sha(i), reports: reports({ bench: bench(value) }), thresholds: seeding }),
            )
          ).verdict,
        ).toBe('pass');
      const red = await run(
        gate(),
        input({
          service,
          sha: sha(5),
          reports: reports({ bench: bench(10), junit: junit({ breaks: 'failed' }) }),
          thresholds: { ...seeding, tests: { maxFailed: 0 } },
        }),
      );
      expect(red.verdict).toBe('fail');
      const baseline = await results().baseline({ service, branch: 'main', names: ['render'], runs: 3 });
      expect(baseline.map((run) => run.render?.value)).toEqual([100, 110, 300]);

      // A pull request into main: median 110, +9.09% passes, +13.64% fails.
      const pr = (value: number, n: number) =>
        input({
          service,
          branch: 'feature/x',
          base: { branch: 'main' },
          sha: sha(n),
          reports: reports({ bench: bench(value) }),
          thresholds,
        });
      const ok = await run(gate(), pr(120, 6));
      expect(ok.checks).toEqual([
        expect.objectContaining({ name: 'bench.render', passed: true, actual: 9.09, baseline: 110 }),
      ]);
      const slow = await run(gate(), pr(125, 7));
      expect(slow.verdict).toBe('fail');
      expect(slow.checks).toEqual([
        expect.objectContaining({ name: 'bench.render', passed: false, actual: 13.64, required: 10, baseline: 110 }),
      ]);
    });

    it('reports a test that failed and then passed on a rerun of the same sha as flaky, not as a failure', async () => {
      const service = 'site-flaky';
      const thresholds = { tests: { maxFailed: 0 } };
      const first = await run(
        gate(),
        input({
          service,
          sha: sha(20),
          attempt: 1,
          reports: reports({ junit: junit({ adds: 'failed', negates: 'passed' }) }),
          thresholds,
        }),
      );
      expect(first.verdict).toBe('fail');
      expect(first.flaky).toBeUndefined();
      const rerun = await run(
        gate(),
        input({
          service,
          sha: sha(20),
          attempt: 2,
          reports: reports({ junit: junit({ adds: 'passed', negates: 'passed' }) }),
          thresholds,
        }),
      );
      expect(rerun).toMatchObject({ verdict: 'pass', flaky: ['math > adds'] });
      expect(await results().flaky({ service })).toEqual([
        expect.objectContaining({ service, testId: 'math > adds', count: 1, lastSha: sha(20) }),
      ]);
      // Only failures and what became of them are kept, not every passing test.
      const kept = await store.db.query<{ test_id: string; status: string; attempt: number }>(
        'SELECT test_id, status, attempt FROM quality_test_results WHERE service = $1 ORDER BY attempt',
        [service],
      );
      expect(kept).toEqual([
        { test_id: 'math > adds', status: 'failed', attempt: 1 },
        { test_id: 'math > adds', status: 'passed', attempt: 2 },
      ]);
    });

    it('opens a remediation on failure, keeps one open, closes it when the branch passes; owners told twice, once each', async () => {
      const service = 'site-remedy';
      const owners = ['slack:#builds', 'email:lead@example.com', 'pager:nobody'];
      const thresholds = { coverage: { lines: 80 } };
      const link = 'http://localhost:8080/pipelines/run';
      const branchRun = (n: number, hits: Record<number, number>) =>
        input({
          service,
          branch: 'main',
          sha: sha(30 + n),
          owners,
          link,
          thresholds,
          reports: reports({ coverage: lcov('src/math.js', hits) }),
        });

      const failing = branchRun(1, { 1: 1, 2: 0, 3: 0, 4: 0 });
      const opened = await run(gate(), failing);
      expect(opened.verdict).toBe('fail');
      expect(opened.remediation?.state).toBe('opened');
      // A retried activity returns the same verdict and queues nothing new.
      expect(await run(gate(), failing)).toEqual(opened);
      const again = await run(gate(), branchRun(2, { 1: 1, 2: 1, 3: 0, 4: 0 }));
      expect(again.remediation).toEqual({ id: opened.remediation?.id, state: 'still-open' });
      const [open] = await results().remediations({ service, open: true });
      expect(open).toMatchObject({
        id: opened.remediation?.id,
        branch: 'main',
        open: true,
        openedByRun: failing.runId,
        sha: sha(32),
        owners,
        link,
        failingRuns: 2,
        failedChecks: [expect.objectContaining({ name: 'coverage.lines', actual: 50, required: 80 })],
      });

      const passing = branchRun(3, { 1: 1, 2: 1, 3: 1, 4: 1 });
      const closed = await run(gate(), passing);
      expect(closed).toMatchObject({ verdict: 'pass', remediation: { id: opened.remediation?.id, state: 'closed' } });
      expect(await results().remediations({ service, open: true })).toEqual([]);
      expect((await results().remediations({ service }))[0]).toMatchObject({ open: false, closedByRun: passing.runId });
      // The next passing run has nothing to close.
      expect((await run(gate(), branchRun(4, { 1: 1, 2: 1, 3: 1, 4: 1 }))).remediation).toBeUndefined();

      // No Slack or SMTP configured: the existing notification path queues them in the outbox.
      const outbox = await store.db.query<{
        key: string;
        channel: string;
        recipients: string[];
        subject: string;
        body: string;
      }>(
        "SELECT key, channel, recipients, subject, body FROM notification_outbox WHERE key LIKE 'quality/%' ORDER BY created_at, key",
      );
      expect(outbox.map((row) => [row.channel, row.recipients, row.subject]).sort()).toEqual([
        ['email', ['lead@example.com'], 'Quality gate failed: site-remedy main'],
        ['email', ['lead@example.com'], 'Quality gate passing again: site-remedy main'],
        ['slack', ['#builds'], 'Quality gate failed: site-remedy main'],
        ['slack', ['#builds'], 'Quality gate passing again: site-remedy main'],
      ]);
      expect(outbox.find((row) => row.channel === 'email')?.body).toContain('coverage.lines: 25% (required >= 80%)');
      expect(outbox[0]?.body).toContain(link);
    });

    it("emails owners through the worker's own notification path (a real SMTP server) when handed in", async () => {
      const smtp = await startSmtpServer();
      try {
        const { deliverNotification } = createNotificationActivities({
          store,
          email: { transport: smtpTransport(smtp.url), from: 'arxflow <ci@example.com>' },
        });
        const request = input({
          service: 'site-smtp',
          owners: ['email:owner@example.com'],
          thresholds: { tests: { maxFailed: 0 } },
          reports: reports({ junit: junit({ adds: 'failed' }) }),
        });
        const verdict = await run(gate({ notify: deliverNotification }), request);
        await run(gate({ notify: deliverNotification }), request); // a retry mails nobody twice
        expect(verdict.remediation?.state).toBe('opened');
        const mails = smtp.messages().filter((m) => m.subject === 'Quality gate failed: site-smtp main');
        expect(mails.map((m) => m.to)).toEqual([['owner@example.com']]);
        expect(mails[0]?.text).toContain('tests.failed: 1 (required <= 0)');
      } finally {
        await smtp.close();
      }
    });

    it('refuses a malformed report for good (InvalidReport naming the file), storing nothing', async () => {
      const request = input({
        service: 'site-bad',
        reports: reports({ junit: '<testsuites><testsuite name="unit"><testcase name="a">' }),
        thresholds: { tests: { maxFailed: 0 } },
      });
      const failure = await failureOf(run(gate(), request));
      expect([failure.type, failure.nonRetryable]).toEqual(['InvalidReport', true]);
      expect(failure.message).toMatch(/^reports\/junit\.xml: /);
      expect(await results().get(request.runId)).toBeUndefined();

      const empty = await failureOf(run(gate(), input({ service: 'site-bad', reports: reports({ coverage: '' }) })));
      expect([empty.type, empty.message]).toEqual([
        'InvalidReport',
        expect.stringMatching(/^coverage\/lcov\.info: .*empty/),
      ]);
    });

    it('reads report refs only under <dataDir>/pipelines, and says which report is gone', async () => {
      const outside = { path: 'coverage/lcov.info', ref: '/etc/passwd', bytes: 10 };
      const refused = await failureOf(run(gate(), input({ reports: { coverage: [outside], junit: [], bench: [] } })));
      expect([refused.type, refused.nonRetryable]).toEqual(['InvalidInput', true]);
      const gone = {
        path: 'coverage/lcov.info',
        ref: path.join(dataDir, 'pipelines', 'files', 'nope.info'),
        bytes: 10,
      };
      const missing = await failureOf(run(gate(), input({ reports: { coverage: [gone], junit: [], bench: [] } })));
      expect([missing.type, missing.message]).toEqual([
        'InvalidReport',
        expect.stringMatching(/coverage\/lcov\.info: the stored report is gone/),
      ]);
      // A report over the limit is final before it is read (sparse: no disk, and no memory unless read).
      const huge = { path: 'coverage/lcov.info', ref: path.join(dataDir, 'pipelines', 'files', 'huge.info'), bytes: 0 };
      mkdirSync(path.dirname(huge.ref), { recursive: true });
      writeFileSync(huge.ref, '');
      truncateSync(huge.ref, INPUT_FILE_MAX_BYTES + 1);
      const over = await failureOf(run(gate(), input({ reports: { coverage: [huge], junit: [], bench: [] } })));
      expect([over.type, over.nonRetryable, over.message]).toEqual([
        'InvalidReport',
        true,
        `coverage/lcov.info: ${INPUT_FILE_MAX_BYTES + 1} bytes, over the limit of ${INPUT_FILE_MAX_BYTES}`,
      ]);
    });

    it('reads thresholds from a thresholds file the run kept, and refuses a misspelt key with its line', async () => {
      const ok = await run(
        gate(),
        input({
          service: 'site-file',
          thresholdsFile: stored('.arxflow/quality.yml', 'coverage:\n  lines: 90\n'),
          reports: reports({ coverage: lcov('src/math.js', { 1: 1, 2: 0 }) }),
        }),
      );
      expect(ok.checks).toEqual([
        expect.objectContaining({ name: 'coverage.lines', passed: false, actual: 50, required: 90 }),
      ]);
      const bad = await failureOf(
        run(
          gate(),
          input({ service: 'site-file', thresholdsFile: stored('.arxflow/quality.yml', 'coverage:\n  line: 90\n') }),
        ),
      );
      expect([bad.type, bad.message]).toEqual([
        'InvalidReport',
        expect.stringMatching(/^\.arxflow\/quality\.yml: .*line 2/),
      ]);
    });
  },
);
