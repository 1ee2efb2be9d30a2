import { dependentsOf, needsCycle, topologicalOrder, unknownNeed } from '../../domain/pipelines/job-graph';
import { globsMatch, jobFilterRefusal } from '../../domain/pipelines/job-filter';
import type { PipelineTrigger } from '../../domain/pipelines/pipeline-types';

const push: PipelineTrigger = {
  repo: '/src/app',
  repoKey: 'src/app',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  branch: 'main',
  event: 'push',
  actor: 'dev',
};
const pullRequest: PipelineTrigger = {
  ...push,
  ref: 'refs/pull/7/head',
  branch: 'feature/x',
  event: 'pull_request',
  base: { branch: 'main' },
  pullRequest: { number: 7 },
};

describe('the needs graph', () => {
  const graph = {
    deploy: { needs: ['test', 'lint'] },
    lint: { needs: ['install'] },
    install: { needs: [] },
    test: { needs: ['install'] },
    docs: { needs: [] },
  };

  it('orders jobs after what they need, in file order among free ones', () => {
    expect(topologicalOrder(graph)).toEqual(['install', 'lint', 'test', 'deploy', 'docs']);
  });

  it('finds dependents transitively', () => {
    expect(dependentsOf(graph, 'install')).toEqual(['deploy', 'lint', 'test']);
    expect(dependentsOf(graph, 'docs')).toEqual([]);
  });

  it('names a cycle as the path that closes it, and an unknown need', () => {
    expect(needsCycle(graph)).toBeUndefined();
    expect(needsCycle({ a: { needs: [] }, b: { needs: ['c'] }, c: { needs: ['d'] }, d: { needs: ['b'] } })).toEqual([
      'b',
      'c',
      'd',
      'b',
    ]);
    expect(() => topologicalOrder({ a: { needs: ['b'] }, b: { needs: ['a'] } })).toThrow('a -> b -> a');
    expect(unknownNeed({ a: { needs: ['x'] } })).toEqual(['a', 'x']);
    expect(unknownNeed(graph)).toBeUndefined();
  });
});

describe('if filters', () => {
  it('runs a job without a filter, and one whose every list lets the trigger through', () => {
    expect(jobFilterRefusal(undefined, push)).toBeUndefined();
    expect(jobFilterRefusal({ branches: ['main'], events: ['push'], paths: ['src/**'] }, push)).toBeUndefined();
  });

  it('matches events', () => {
    expect(jobFilterRefusal({ events: ['pull_request'] }, push)).toBe('event push is not in if.events (pull_request)');
    expect(jobFilterRefusal({ events: ['pull_request'] }, pullRequest)).toBeUndefined();
  });

  it('matches branches with globs: * stops at /, ** does not, !pattern takes a match back', () => {
    const on = (branch: string) => ({ ...push, branch, ref: `refs/heads/${branch}` });
    expect(jobFilterRefusal({ branches: ['release/*'] }, on('release/1.2'))).toBeUndefined();
    expect(jobFilterRefusal({ branches: ['release/*'] }, on('release/1/hotfix'))).toBe(
      'branch release/1/hotfix does not match if.branches',
    );
    expect(jobFilterRefusal({ branches: ['release/**'] }, on('release/1/hotfix'))).toBeUndefined();
    expect(jobFilterRefusal({ branches: ['release/**', '!release/**-alpha'] }, on('release/2-alpha'))).toBe(
      'branch release/2-alpha does not match if.branches',
    );
    expect(jobFilterRefusal({ branchesIgnore: ['dependabot/**'] }, on('dependabot/npm/x'))).toBe(
      'branch dependabot/npm/x matches if.branches-ignore',
    );
    expect(jobFilterRefusal({ branchesIgnore: ['dependabot/**'] }, push)).toBeUndefined();
  });

  it('matches a pull request by its base branch, as GitHub does', () => {
    expect(jobFilterRefusal({ branches: ['main'] }, pullRequest)).toBeUndefined();
    expect(jobFilterRefusal({ branches: ['feature/*'] }, pullRequest)).toBe(
      'base branch main does not match if.branches',
    );
  });

  it('refuses branches for a run with no branch (a tag), lets branches-ignore through', () => {
    const tag: PipelineTrigger = { ...push, branch: undefined, ref: 'refs/tags/v1' };
    expect(jobFilterRefusal({ branches: ['main'] }, tag)).toBe('no branch to match if.branches (ref refs/tags/v1)');
    expect(jobFilterRefusal({ branchesIgnore: ['main'] }, tag)).toBeUndefined();
    expect(jobFilterRefusal({ branches: ['main'] }, { ...push, branch: undefined })).toBeUndefined();
  });

  it('matches paths: any changed path in paths, not all of them ignored; unknown paths run', () => {
    const changed = (...changedPaths: string[]) => ({ ...push, changedPaths });
    expect(jobFilterRefusal({ paths: ['src/**'] }, changed('docs/a.md', 'src/x.ts'))).toBeUndefined();
    expect(jobFilterRefusal({ paths: ['src/**'] }, changed('docs/a.md'))).toBe('no changed path matches if.paths');
    expect(jobFilterRefusal({ pathsIgnore: ['docs/**', '**/*.md'] }, changed('docs/a.md', 'README.md'))).toBe(
      'every changed path matches if.paths-ignore',
    );
    expect(jobFilterRefusal({ pathsIgnore: ['docs/**'] }, changed('docs/a.md', 'src/x.ts'))).toBeUndefined();
    expect(jobFilterRefusal({ paths: ['.github/**'] }, changed('.github/workflows/ci.yml'))).toBeUndefined();
    expect(jobFilterRefusal({ paths: ['src/**'], pathsIgnore: ['docs/**'] }, push)).toBeUndefined();
  });

  it('reads glob lists in order', () => {
    expect(globsMatch(['**', '!*.md'], 'a.md')).toBe(false);
    expect(globsMatch(['!*.md', '**'], 'a.md')).toBe(true);
    expect(globsMatch([], 'a')).toBe(false);
  });
});
