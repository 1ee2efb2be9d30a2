import { hashFilesPatternsIn, renderCacheKey } from '../../domain/pipelines/cache-keys';
import { concurrencyGroupOf } from '../../domain/pipelines/concurrency';
import { expandExpressions, githubContextOf, secretNamesIn } from '../../domain/pipelines/expressions';
import { parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import type { PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import { InputError } from '../../domain/validation';

const sha = 'b'.repeat(40);
const push: PipelineTrigger = {
  repo: 'https://github.com/acme/app.git',
  repoKey: 'acme/app',
  ref: 'refs/heads/main',
  sha,
  branch: 'main',
  event: 'push',
  actor: 'octocat',
  githubRepo: 'acme/app',
};

describe('the github context', () => {
  it("uses GitHub's field names for a push", () => {
    expect(githubContextOf(push, { attempt: 2, runId: 'pipeline/acme/app/x/2' })).toEqual({
      sha,
      ref: 'refs/heads/main',
      ref_name: 'main',
      event_name: 'push',
      repository: 'acme/app',
      actor: 'octocat',
      base_ref: '',
      head_ref: '',
      run_attempt: '2',
      run_id: 'pipeline/acme/app/x/2',
    });
  });

  it('gives a pull request its base and head, and a local repository its key', () => {
    const pr: PipelineTrigger = {
      ...push,
      repo: '/src/app',
      repoKey: 'src/app',
      githubRepo: undefined,
      event: 'pull_request',
      ref: 'refs/pull/7/head',
      branch: 'feature',
      base: { branch: 'main' },
      pullRequest: { number: 7 },
    };
    expect(githubContextOf(pr)).toMatchObject({
      ref_name: '7/merge',
      base_ref: 'main',
      head_ref: 'feature',
      repository: 'src/app',
    });
    expect(githubContextOf({ ...push, branch: undefined, ref: 'refs/tags/v1.0' }).ref_name).toBe('v1.0');
  });
});

describe('expressions', () => {
  const github = githubContextOf(push);

  it('expands github fields and secrets, spaces or not', () => {
    expect(
      expandExpressions('${{github.sha}}-${{ github.ref_name }} ${{ secrets.TOKEN }}', {
        github,
        secrets: { TOKEN: 't0p' },
      }),
    ).toBe(`${sha}-main t0p`);
    expect(expandExpressions('no expressions', { github })).toBe('no expressions');
    expect(expandExpressions('${{ github.base_ref }}', { github })).toBe('');
  });

  it('refuses a secret that is not set, any secret without secrets, and what it does not know', () => {
    expect(() => expandExpressions('${{ secrets.NOPE }}', { github, secrets: {} })).toThrow(
      "secret NOPE is not set in the worker's environment",
    );
    expect(() => expandExpressions('${{ secrets.A }}', { github })).toThrow(InputError);
    expect(() => expandExpressions('${{ github.nope }}', { github })).toThrow(
      '${{ github.nope }} cannot be expanded here',
    );
    expect(() => expandExpressions("${{ hashFiles('a') }}", { github })).toThrow(InputError);
    expect(() => expandExpressions('${{ github.sha', { github })).toThrow('without its closing');
  });

  it('lists the secrets a text uses, each once', () => {
    expect(secretNamesIn('${{ secrets.A }}:${{ secrets.B }}@${{ secrets.A }} ${{ github.sha }}')).toEqual(['A', 'B']);
    expect(secretNamesIn('plain')).toEqual([]);
  });
});

describe('cache keys', () => {
  const template =
    "deps-${{ github.ref_name }}-${{ hashFiles('package-lock.json', \"**/yarn.lock\") }}-${{ hashFiles('a') }}";

  it('lists the hashFiles patterns and renders the key with the hashes handed in', () => {
    expect(hashFilesPatternsIn(template)).toEqual(['package-lock.json', '**/yarn.lock', 'a']);
    const calls: string[][] = [];
    const key = renderCacheKey(
      template,
      (patterns) => {
        calls.push(patterns);
        return `h${calls.length}`;
      },
      githubContextOf(push),
    );
    expect(key).toBe('deps-main-h1-h2');
    expect(calls).toEqual([['package-lock.json', '**/yarn.lock'], ['a']]);
    expect(renderCacheKey('static', () => 'x', {})).toBe('static');
  });

  it('refuses a secret in a key', () => {
    expect(() => renderCacheKey('k-${{ secrets.A }}', () => 'x', {})).toThrow('secrets may not be in a cache key');
  });
});

describe('the concurrency group', () => {
  it('expands the group and scopes it to the repository', () => {
    const definition = parsePipelineYaml('concurrency: ci-${{ github.ref }}\njobs: {a: {steps: [{run: x}]}}', 'p.yml');
    expect(concurrencyGroupOf(definition, push)).toBe('acme/app:ci-refs/heads/main');
    expect(concurrencyGroupOf(parsePipelineYaml('jobs: {a: {steps: [{run: x}]}}', 'p.yml'), push)).toBeUndefined();
  });
});

describe('repoKeyOf', () => {
  it.each([
    ['https://github.com/acme/app', 'acme/app'],
    ['https://github.com/acme/app.git', 'acme/app'],
    ['https://github.com/acme/app.git/', 'acme/app'],
    ['https://x-token:secret@github.com/acme/app.git', 'acme/app'],
    ['git@github.com:acme/app.git', 'acme/app'],
    ['https://git.example.com:8443/team/app.git', 'git.example.com/team/app'],
    ['file:///a/b/repo', 'a/b/repo'],
    ['file:///a/b/repo.git/', 'a/b/repo'],
    ['/a/b/repo', 'a/b/repo'],
    ['/a/b/repo/', 'a/b/repo'],
    ['/a//b/./c/../repo', 'a/b/repo'],
    ['/a/b/repo/.git', 'a/b/repo'],
  ])('%s -> %s', (repo, key) => {
    expect(repoKeyOf(repo)).toBe(key);
  });

  it.each(['', '   ', '/', 'file:///', 'https://github.com/', '/..'])('refuses %j', (repo) => {
    expect(() => repoKeyOf(repo)).toThrow(InputError);
  });
});
