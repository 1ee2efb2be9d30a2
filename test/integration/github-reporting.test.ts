import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { commentMarker, createGithubActivities } from '../../activities/github';
import { openStore, type Store } from '../../db/store';
import { startGithubApiServer, type GithubApiServer } from '../support/github-api-server';
import { activityFailureOf } from '../support/activity-failure';

const TOKEN = 'ghp_test_token';
const REPO = 'acme/site-api';
const SHA_1 = 'a'.repeat(40);
const SHA_2 = 'b'.repeat(40);

/** Activities run with a real activity context (heartbeats, cancellation signal, workflow id). */
const env = () =>
  new MockActivityEnvironment(
    { workflowExecution: { workflowId: `pipeline/${REPO}/${SHA_1}/1`, runId: 'r1' } } as never,
    {
      logger: new DefaultLogger('ERROR'),
    },
  );

/** Runs an activity in a fresh environment; the argument typed by the activity (literal unions stay literal). */
const run = <A, R>(activity: (arg: A) => Promise<R>, arg: A): Promise<R> => env().run(activity, arg);

const failureOf = activityFailureOf;

describe('GitHub commit statuses and the PR comment through the real Octokit client', () => {
  let store: Store;
  let github: GithubApiServer;
  beforeAll(async () => {
    [store, github] = await Promise.all([
      openStore({ inMemory: true }),
      startGithubApiServer({ token: TOKEN, repos: [REPO] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([store?.close(), github?.close()]);
  });

  const activities = (token = TOKEN) => createGithubActivities({ store, github: { token, apiUrl: github.apiUrl } });

  it('posts pending then success for a context, description cut to 140 characters, with the run link', async () => {
    const { reportCommitStatus } = activities();
    const link = 'http://localhost:8080/v1/pipelines/run-1';
    await run(reportCommitStatus, {
      githubRepo: REPO,
      sha: SHA_1,
      context: 'arxflow/build',
      state: 'pending',
      description: 'build running',
      targetUrl: link,
    });
    const result = await run(reportCommitStatus, {
      githubRepo: REPO,
      sha: SHA_1,
      context: 'arxflow/build',
      state: 'success',
      description: `build passed ${'x'.repeat(300)}`,
      targetUrl: link,
    });
    expect(result).toMatchObject({ channel: 'github' });
    const posted = github.statuses(REPO).filter((s) => s.sha === SHA_1 && s.context === 'arxflow/build');
    expect(posted.map((s) => s.state)).toEqual(['pending', 'success']);
    expect(posted[1]?.description).toHaveLength(140);
    expect(posted[1]?.description?.endsWith('…')).toBe(true);
    expect(posted[1]?.target_url).toBe(link);
  });

  it('keeps one comment per PR and key, edited in place on every push, leaving other comments alone', async () => {
    const { upsertPullRequestComment } = activities();
    github.addForeignComment(REPO, 7, 'LGTM, but see the coverage');
    const first = await run(upsertPullRequestComment, {
      githubRepo: REPO,
      pullRequest: 7,
      key: 'quality',
      body: '### ❌ Quality gate failed',
    });
    const second = await run(upsertPullRequestComment, {
      githubRepo: REPO,
      pullRequest: 7,
      key: 'quality',
      body: '### ✅ Quality gate passed',
    });
    // A retried activity with the same body writes nothing.
    const again = await run(upsertPullRequestComment, {
      githubRepo: REPO,
      pullRequest: 7,
      key: 'quality',
      body: '### ✅ Quality gate passed',
    });
    expect(first).toMatchObject({ channel: 'github', action: 'created' });
    expect(second).toMatchObject({ channel: 'github', action: 'updated', id: (first as { id: number }).id });
    expect(again).toMatchObject({ action: 'unchanged' });
    const comments = github.comments(REPO, 7);
    expect(comments.map((c) => c.user)).toEqual(['someone', 'arxflow[bot]']);
    expect(comments[0]?.body).toBe('LGTM, but see the coverage');
    expect(comments[1]?.body).toBe(`${commentMarker('quality')}\n### ✅ Quality gate passed`);
    expect(comments[1]?.updates).toBe(1);
  });

  it('finds its comment beyond the first page of a long discussion', async () => {
    const { upsertPullRequestComment } = activities();
    for (let i = 0; i < 120; i++) github.addForeignComment(REPO, 8, `comment ${i}`);
    const created = await run(upsertPullRequestComment, {
      githubRepo: REPO,
      pullRequest: 8,
      key: 'quality',
      body: 'v1',
    });
    // Ours is the 121st comment: on page 2 of 100.
    const updated = await run(upsertPullRequestComment, {
      githubRepo: REPO,
      pullRequest: 8,
      key: 'quality',
      body: 'v2',
    });
    expect(created).toMatchObject({ action: 'created' });
    expect(updated).toMatchObject({ action: 'updated', id: (created as { id: number }).id });
    expect(
      github
        .comments(REPO, 8)
        .filter((c) => c.user === 'arxflow[bot]')
        .map((c) => c.body),
    ).toEqual([`${commentMarker('quality')}\nv2`]);
    const gets = github.calls().filter((c) => c.method === 'GET' && c.path.startsWith(`/repos/${REPO}/issues/8/`));
    expect(gets.filter((c) => c.path.includes('page=2'))).toHaveLength(2);
  });

  it('refuses a bad token for good: GitHubRefused with the status and GitHub message', async () => {
    const { reportCommitStatus } = activities('ghp_wrong');
    const failure = await failureOf(
      run(reportCommitStatus, {
        githubRepo: REPO,
        sha: SHA_2,
        context: 'arxflow/build',
        state: 'pending',
        description: 'x',
      }),
    );
    expect(failure.type).toBe('GitHubRefused');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/401 Bad credentials/);
    expect(failure.details).toEqual([{ status: 401 }]);
  });

  it('refuses an unknown repository (404) for good', async () => {
    const { upsertPullRequestComment } = activities();
    const failure = await failureOf(
      run(upsertPullRequestComment, { githubRepo: 'acme/nope', pullRequest: 1, key: 'quality', body: 'x' }),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['GitHubRefused', true]);
    expect(failure.message).toMatch(/404/);
  });

  it('leaves a 500 to be retried, and the retry posts the status', async () => {
    const { reportCommitStatus } = activities();
    const request = {
      githubRepo: REPO,
      sha: SHA_2,
      context: 'arxflow/quality',
      state: 'failure' as const,
      description: 'coverage.lines 71% < 80%',
    };
    github.failNext(1, 500);
    const failure = await failureOf(run(reportCommitStatus, request));
    expect([failure.type, failure.nonRetryable]).toEqual(['GitHubUnavailable', false]);
    await run(reportCommitStatus, request);
    expect(
      github
        .statuses(REPO)
        .filter((s) => s.sha === SHA_2)
        .map((s) => s.state),
    ).toEqual(['failure']);
  });

  it('a network failure (nothing listening) is retryable too', async () => {
    const { reportCommitStatus } = createGithubActivities({
      store,
      github: { token: TOKEN, apiUrl: 'http://127.0.0.1:9' },
    });
    const failure = await failureOf(
      run(reportCommitStatus, { githubRepo: REPO, sha: SHA_2, context: 'c', state: 'pending', description: 'x' }),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['GitHubUnavailable', false]);
  });

  it('without a token, statuses and comments go to the outbox (channel github), once per content', async () => {
    const { reportCommitStatus, upsertPullRequestComment } = createGithubActivities({ store });
    const status = {
      githubRepo: REPO,
      sha: SHA_1,
      context: 'arxflow/quality',
      state: 'success' as const,
      description: 'passed',
    };
    const first = await run(reportCommitStatus, status);
    await run(reportCommitStatus, status); // a retry
    await run(upsertPullRequestComment, { githubRepo: REPO, pullRequest: 9, key: 'quality', body: 'one' });
    await run(upsertPullRequestComment, { githubRepo: REPO, pullRequest: 9, key: 'quality', body: 'two' });
    expect(first).toMatchObject({ channel: 'outbox' });
    const rows = await store.db.query<{
      channel: string;
      recipients: string[];
      subject: string;
      body: string;
      workflow_id: string;
    }>(
      "SELECT channel, recipients, subject, body, workflow_id FROM notification_outbox WHERE channel = 'github' ORDER BY created_at, key",
    );
    expect(rows.map((r) => [r.recipients, r.subject])).toEqual([
      [[REPO], `arxflow/quality success on ${SHA_1.slice(0, 7)}`],
      [[`${REPO}#9`], 'arxflow quality'],
      [[`${REPO}#9`], 'arxflow quality'],
    ]);
    expect(rows.map((r) => r.body)).toEqual(['passed', 'one', 'two']);
    expect(rows[0]?.workflow_id).toBe(`pipeline/${REPO}/${SHA_1}/1`);
  });

  it('refuses a githubRepo that is not owner/name before calling anyone', async () => {
    const before = github.calls().length;
    const failure = await failureOf(
      run(activities().reportCommitStatus, {
        githubRepo: 'https://github.com/acme/site-api',
        sha: SHA_1,
        context: 'c',
        state: 'pending',
        description: 'x',
      }),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['InvalidInput', true]);
    expect(failure.message).toMatch(/githubRepo/);
    expect(github.calls()).toHaveLength(before);
  });
});
