import { MissingEventFieldError } from '../../domain/webhook-config';
import { planGithubPipelineEvent } from '../../gateway/webhooks/github-events';
import { githubPipelineSettingOf } from '../../gateway/webhooks/github-pipelines';
import { loadWebhookSources, type WebhookSource } from '../../gateway/webhooks/sources';

const SHA = 'a'.repeat(40);
const BASE_SHA = 'b'.repeat(40);
const repository = { full_name: 'acme/site-api', clone_url: 'https://github.com/acme/site-api.git' };
const sender = { login: 'octocat' };

const push = (extra: Record<string, unknown> = {}) => ({
  ref: 'refs/heads/main',
  before: BASE_SHA,
  after: SHA,
  repository,
  sender,
  commits: [
    { added: ['src/new.ts'], modified: ['README.md'], removed: [] },
    { added: [], modified: ['README.md'], removed: ['old.ts'] },
  ],
  ...extra,
});

const pullRequest = (action: string) => ({
  action,
  number: 7,
  pull_request: {
    html_url: 'https://github.com/acme/site-api/pull/7',
    head: { sha: SHA, ref: 'feature/x' },
    base: { sha: BASE_SHA, ref: 'main' },
  },
  repository,
  sender,
});

describe('GitHub events that start pipeline runs', () => {
  it('a push runs attempt 1 of the pushed sha with the changed paths of its commits', () => {
    expect(planGithubPipelineEvent('push', push(), {})).toEqual({
      kind: 'run',
      input: {
        attempt: 1,
        trigger: {
          repo: 'https://github.com/acme/site-api.git',
          repoKey: 'acme/site-api',
          ref: 'refs/heads/main',
          sha: SHA,
          branch: 'main',
          event: 'push',
          changedPaths: ['src/new.ts', 'README.md', 'old.ts'],
          actor: 'octocat',
          githubRepo: 'acme/site-api',
        },
      },
    });
  });

  it('the repository comes from the source setting, a template over the event; the definition path too', () => {
    const planned = planGithubPipelineEvent('push', push(), {
      repo: '/srv/git/{{repository.full_name}}',
      definitionPath: 'ci/pipeline.yml',
    });
    expect(planned).toMatchObject({
      kind: 'run',
      input: {
        definitionPath: 'ci/pipeline.yml',
        trigger: { repo: '/srv/git/acme/site-api', repoKey: 'srv/git/acme/site-api' },
      },
    });
  });

  it('paths are unknown (every job runs) when GitHub lists no commits or may have cut the list at 20', () => {
    const many = Array.from({ length: 20 }, () => ({ added: ['a'], modified: [], removed: [] }));
    for (const commits of [[], many, undefined]) {
      const planned = planGithubPipelineEvent('push', push({ commits }), {});
      expect(planned).toMatchObject({ kind: 'run' });
      expect((planned as { input: { trigger: object } }).input.trigger).not.toHaveProperty('changedPaths');
    }
  });

  it('a tag push has no branch', () => {
    const planned = planGithubPipelineEvent('push', push({ ref: 'refs/tags/v1.2.0' }), {});
    expect((planned as { input: { trigger: object } }).input.trigger).not.toHaveProperty('branch');
  });

  it('a deleted branch is ignored, whichever way GitHub says it', () => {
    expect(planGithubPipelineEvent('push', push({ after: '0'.repeat(40), deleted: true }), {})).toEqual({
      kind: 'ignored',
      reason: 'refs/heads/main was deleted',
    });
    expect(planGithubPipelineEvent('push', push({ after: '0'.repeat(40) }), {})).toMatchObject({ kind: 'ignored' });
  });

  it('opened, synchronize and reopened pull requests run the head sha against their base', () => {
    for (const action of ['opened', 'synchronize', 'reopened']) {
      expect(planGithubPipelineEvent('pull_request', pullRequest(action), {})).toEqual({
        kind: 'run',
        input: {
          attempt: 1,
          trigger: {
            repo: 'https://github.com/acme/site-api.git',
            repoKey: 'acme/site-api',
            ref: 'refs/pull/7/head',
            sha: SHA,
            branch: 'feature/x',
            event: 'pull_request',
            base: { branch: 'main', sha: BASE_SHA },
            pullRequest: { number: 7, url: 'https://github.com/acme/site-api/pull/7' },
            actor: 'octocat',
            githubRepo: 'acme/site-api',
          },
        },
      });
    }
  });

  it('other pull request actions are ignored, saying which start runs', () => {
    expect(planGithubPipelineEvent('pull_request', pullRequest('closed'), {})).toEqual({
      kind: 'ignored',
      reason: 'pull_request closed: runs start on opened, synchronize, reopened',
    });
  });

  it('ping is answered; other events are left to the source rules', () => {
    expect(planGithubPipelineEvent('ping', { zen: 'Keep it logically awesome.' }, {})).toEqual({ kind: 'ping' });
    expect(planGithubPipelineEvent('issues', { action: 'opened' }, {})).toBeUndefined();
    expect(planGithubPipelineEvent(undefined, push(), {})).toBeUndefined();
  });

  it('a field the run needs that the event lacks or garbles is named', () => {
    const { after: _after, ...noAfter } = push();
    expect(() => planGithubPipelineEvent('push', noAfter, {})).toThrow(MissingEventFieldError);
    expect(() => planGithubPipelineEvent('push', noAfter, {})).toThrow('after');
    expect(() => planGithubPipelineEvent('push', push({ after: 'main' }), {})).toThrow('after');
    const pr = pullRequest('opened');
    const broken = { ...pr, pull_request: { ...pr.pull_request, head: { ref: 'x' } } };
    expect(() => planGithubPipelineEvent('pull_request', broken, {})).toThrow('pull_request.head.sha');
    // The default template needs clone_url.
    expect(() => planGithubPipelineEvent('push', push({ repository: { full_name: 'acme/site-api' } }), {})).toThrow(
      'repository.clone_url',
    );
  });
});

describe('the pipelines setting of a webhook source', () => {
  const source = (extra: Record<string, unknown>) =>
    ({ name: 'gh', scheme: 'github', events: [], ...extra }) as unknown as WebhookSource;

  it('only a github source with the setting runs pipelines', () => {
    expect(githubPipelineSettingOf(source({}))).toBeUndefined();
    expect(githubPipelineSettingOf(source({ pipelines: {} }))).toEqual({});
    expect(githubPipelineSettingOf(source({ scheme: 'timestamped', pipelines: {} }))).toBeUndefined();
  });

  it('a malformed setting stops start-up naming the source and field', () => {
    const load = (pipelines: unknown, scheme = 'github') =>
      loadWebhookSources(
        { gh: { scheme, pipelines } },
        { ARXFLOW_WEBHOOK_SECRET_GH: 'a-secret-of-enough-length-0123' },
      );
    expect(githubPipelineSettingOf(load({ definitionPath: 'ci/pipeline.yml' }).get('gh')!)).toEqual({
      definitionPath: 'ci/pipeline.yml',
    });
    expect(() => load({ definitionPath: '../x.yml' })).toThrow(
      /webhooks: gh\.pipelines\.definitionPath: must be a path inside the repository/,
    );
    expect(() => load({ repos: 'x' })).toThrow(/gh\.pipelines.*repos/);
    expect(() => load({}, 'timestamped')).toThrow(/gh\.pipelines: only a github source runs pipelines/);
  });
});
