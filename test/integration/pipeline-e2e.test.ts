import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipelineRunId, type PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { runDirName } from '../../activities/pipelines/job-workspace';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { pipelineRunLink } from '../../client/api/pipeline-starts';
import { call, tokenFor } from '../support/gateway';
import { createGitRepo } from '../support/git-repo';
import { githubEventHeaders, githubPipelineSource } from '../support/github-webhooks';
import { startGithubApiServer, type GithubApiServer } from '../support/github-api-server';
import { useDevServerWorld } from '../support/dev-server-world';

// Push to verdict for real: a small Node project in a real git repository, a signed GitHub
// webhook to the gateway, the production worker running `node --test` with coverage and
// JUnit output as child processes, the quality gate, and commit statuses and one pull-request
// comment reaching a local GitHub server through the real Octokit client.

const GITHUB_REPO = 'acme/price-service';
const GITHUB_TOKEN = 'ghp_e2e-test-token-0123456789';
const SECRET = 'github-webhook-secret-e2e-0123456789';
const PUBLIC_URL = 'http://arxflow.example.test';

const PIPELINE = `name: price-service
jobs:
  test:
    steps:
      - name: unit tests
        run: >-
          node --test --experimental-test-coverage
          --test-reporter=lcov --test-reporter-destination=lcov.info
          --test-reporter=junit --test-reporter-destination=junit.xml test/
    reports:
      coverage: lcov.info
      junit: junit.xml
  size:
    steps:
      - name: measure
        run: node size.js > size.json
    reports:
      bench: size.json
  package:
    needs: [test, size]
    steps:
      - name: pack
        run: echo "packaged \${{ github.sha }}"
quality:
  coverage: { lines: 90 }
  tests: { maxFailed: 0 }
  benchmarks: { maxRegressionPercent: 400 }
owners: ["email:builds@example.com"]
`;

const PRICE = `exports.total = (items) => items.reduce((sum, item) => sum + item.price * item.quantity, 0);
`;
const PRICE_TEST = `const test = require('node:test');
const assert = require('node:assert');
const { total } = require('../src/price');
test('total adds price times quantity', () => assert.strictEqual(total([{ price: 2, quantity: 3 }]), 6));
`;
/** A "benchmark" whose value does not depend on the machine: the bytes of src/. */
const SIZE = `const fs = require('node:fs');
const bytes = fs.readdirSync('src').reduce((sum, f) => sum + fs.statSync('src/' + f).size, 0);
console.log(JSON.stringify({ 'src.bytes': { value: bytes, unit: 'B', better: 'lower' } }));
`;
/** Prices now go through discount codes, whose branches no test takes yet: coverage of lines drops below 90%. */
const PRICE_WITH_DISCOUNT = `const { discount } = require('./discount');
exports.total = (items, code) => discount(items.reduce((sum, item) => sum + item.price * item.quantity, 0), code);
`;
const DISCOUNT = `exports.discount = (amount, code) => {
  if (code === 'SPRING') {
    const rate = 0.1;
    const off = amount * rate;
    return amount - off;
  }
  if (code === 'STAFF') {
    return amount * 0.5;
  }
  return amount;
};
`;
const DISCOUNT_TEST = `const test = require('node:test');
const assert = require('node:assert');
const { discount } = require('../src/discount');
test('spring takes 10% off', () => assert.strictEqual(discount(100, 'SPRING'), 90));
test('staff pay half', () => assert.strictEqual(discount(100, 'STAFF'), 50));
test('other codes change nothing', () => assert.strictEqual(discount(100, 'X'), 100));
`;

const repo = createGitRepo({
  'package.json': JSON.stringify({ name: 'price-service', private: true }, null, 2),
  '.arxflow/pipeline.yml': PIPELINE,
  'src/price.js': PRICE,
  'test/price.test.js': PRICE_TEST,
  'size.js': SIZE,
});
const mainSha = repo.sha();
repo.branch('feature/discounts');
const uncoveredSha = repo.commit(
  { 'src/discount.js': DISCOUNT, 'src/price.js': PRICE_WITH_DISCOUNT },
  'discount codes',
);
const coveredSha = repo.commit({ 'test/discount.test.js': DISCOUNT_TEST }, 'test discount codes');
repo.checkout('main');
const repoKey = repoKeyOf(repo.dir);

/** The production webhook path: a github source whose push and pull_request events run pipelines of the test repository. */
const source = githubPipelineSource(repo.dir, SECRET);

let github: GithubApiServer;
const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-pipeline-e2e-'));
beforeAll(async () => {
  github = await startGithubApiServer({ token: GITHUB_TOKEN, repos: [GITHUB_REPO] });
});
const world = useDevServerWorld('pipeline-e2e', {
  gateway: { webhookSources: new Map([['github', source]]), dataDir, publicUrl: PUBLIC_URL },
  activities: () => ({ dataDir, github: { token: GITHUB_TOKEN, apiUrl: github.apiUrl } }),
});
afterAll(async () => {
  await github?.close();
  repo.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const repository = { full_name: GITHUB_REPO, clone_url: `https://github.com/${GITHUB_REPO}.git` };
let deliveries = 0;
function deliver(event: 'push' | 'pull_request', payload: object) {
  const body = JSON.stringify(payload);
  return call(`${world.url}/v1/webhooks/github`, {
    body,
    headers: githubEventHeaders(event, body, { secret: SECRET, delivery: `delivery-${++deliveries}` }),
  });
}
const push = (branch: string, before: string, after: string, paths: string[]) =>
  deliver('push', {
    ref: `refs/heads/${branch}`,
    before,
    after,
    repository,
    sender: { login: 'dana' },
    commits: [{ added: paths, modified: [], removed: [] }],
  });
const pullRequest = (action: string, head: string) =>
  deliver('pull_request', {
    action,
    number: 7,
    pull_request: {
      html_url: `https://github.com/${GITHUB_REPO}/pull/7`,
      head: { sha: head, ref: 'feature/discounts' },
      base: { sha: mainSha, ref: 'main' },
    },
    repository,
    sender: { login: 'dana' },
  });

/** The run's status through the API until it has ended. */
async function ended(runId: string): Promise<PipelineRunView> {
  const token = await tokenFor('viewer-vic', 'viewer');
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { status, json } = await call(`${world.url}/v1/pipelines/${encodeURIComponent(runId)}`, { token });
    const view = json as unknown as PipelineRunView;
    if (status === 200 && ['succeeded', 'failed', 'cancelled'].includes(view.status)) return view;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end: ${JSON.stringify(json)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Lines of the kept lcov.info, counted here independently of the gate's parser: LH / LF over all files. */
function linesPercentOf(lcov: string): number {
  const sum = (tag: string) =>
    [...lcov.matchAll(new RegExp(`^${tag}:(\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return Math.round((sum('LH') / sum('LF')) * 10_000) / 100;
}

describe('a push to a GitHub repository, through the webhook, to the quality verdict', () => {
  it('a green push runs every job for real, the gate passes, and each job and the gate report success on the commit', async () => {
    const runId = pipelineRunId(repoKey, mainSha, 1);
    expect(await push('main', '0'.repeat(39) + '1', mainSha, ['src/price.js'])).toMatchObject({
      status: 202,
      json: { runId, existing: false },
    });
    const view = await ended(runId);
    expect(view).toMatchObject({ status: 'succeeded', sha: mainSha, quality: { verdict: 'pass' } });
    expect(Object.fromEntries(view.jobs.map((job) => [job.id, job.status]))).toEqual({
      test: 'succeeded',
      size: 'succeeded',
      package: 'succeeded',
    });
    const checks = Object.fromEntries(view.quality!.checks.map((check) => [check.name, check]));
    expect(checks['coverage.lines']).toMatchObject({ passed: true, required: 90 });
    expect(checks['tests.failed']).toMatchObject({ passed: true, actual: 0 });
    expect(checks['bench.src.bytes']).toMatchObject({ passed: true, detail: 'no baseline yet' });

    // The step really ran, with the run's context expanded.
    const token = await tokenFor('viewer-vic', 'viewer');
    const logs = await fetch(`${world.url}/v1/pipelines/${encodeURIComponent(runId)}/logs?job=package`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((response) => response.text());
    expect(logs).toContain(`packaged ${mainSha}`);

    // Final statuses on the commit, each linking to the run.
    const final = new Map(
      github
        .statuses(GITHUB_REPO)
        .filter((status) => status.sha === mainSha)
        .map((status) => [status.context, status]),
    );
    for (const context of ['arxflow/test', 'arxflow/size', 'arxflow/package', 'arxflow/quality'])
      expect(final.get(context)).toMatchObject({ state: 'success', target_url: pipelineRunLink(PUBLIC_URL, runId) });
    expect(github.statuses(GITHUB_REPO).some((status) => status.sha === mainSha && status.state === 'pending')).toBe(
      true,
    );
  }, 120_000);

  it('a pull request whose commit drops coverage fails the gate with the numbers, on the commit and in one PR comment', async () => {
    const runId = pipelineRunId(repoKey, uncoveredSha, 1);
    // GitHub sends both for a push to a PR's branch: one run, which learns its pull request.
    expect(await push('feature/discounts', mainSha, uncoveredSha, ['src/discount.js'])).toMatchObject({
      status: 202,
      json: { runId, existing: false },
    });
    expect(await pullRequest('opened', uncoveredSha)).toMatchObject({ status: 202, json: { runId, existing: true } });
    const view = await ended(runId);
    expect(view.status).toBe('failed');
    expect(view.jobs.every((job) => job.status === 'succeeded')).toBe(true); // the gate, not a job, refused it
    const lines = view.quality!.checks.find((check) => check.name === 'coverage.lines')!;
    const keptLcov = readFileSync(
      path.join(dataDir, 'pipelines', 'files', runDirName(runId), 'test', 'coverage', 'lcov.info'),
      'utf8',
    );
    expect(lines).toMatchObject({ passed: false, required: 90, actual: linesPercentOf(keptLcov) });
    expect(lines.actual!).toBeLessThan(90);

    const quality = github
      .statuses(GITHUB_REPO)
      .filter((s) => s.sha === uncoveredSha && s.context === 'arxflow/quality');
    expect(quality.at(-1)).toMatchObject({ state: 'failure' });
    const comments = github.comments(GITHUB_REPO, 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('coverage.lines');
    expect(comments[0]!.body).toContain(String(lines.actual));
  }, 120_000);

  it('the next push to the pull request passes, and the same comment is edited in place', async () => {
    const firstComment = github.comments(GITHUB_REPO, 7)[0]!;
    const runId = pipelineRunId(repoKey, coveredSha, 1);
    expect(await pullRequest('synchronize', coveredSha)).toMatchObject({ status: 202, json: { runId } });
    const view = await ended(runId);
    expect(view).toMatchObject({ status: 'succeeded', quality: { verdict: 'pass' } });
    const comments = github.comments(GITHUB_REPO, 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(firstComment.id);
    expect(comments[0]!.body).not.toEqual(firstComment.body);
    expect(comments[0]!.body).toMatch(/pass/i);
    // The remediation opened by the failure closed itself.
    const token = await tokenFor('viewer-vic', 'viewer');
    const { json } = await call(`${world.url}/v1/quality/remediations?service=${encodeURIComponent(repoKey)}`, {
      token,
    });
    expect((json as { remediations: unknown[] }).remediations).toEqual([
      expect.objectContaining({
        branch: 'feature/discounts',
        open: false,
        openedByRun: pipelineRunId(repoKey, uncoveredSha, 1),
        closedByRun: runId,
        owners: ['email:builds@example.com'],
        link: pipelineRunLink(PUBLIC_URL, pipelineRunId(repoKey, uncoveredSha, 1)),
      }),
    ]);
  }, 120_000);
});
