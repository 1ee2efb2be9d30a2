import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  changedPaths,
  checkoutWorkspace,
  diffBetween,
  ensureMirror,
  GitError,
  mirrorDirOf,
  resolveRef,
  runGit,
  showFile,
} from '../../platform/git';
import { createGitRepo, type GitRepo } from '../support/git-repo';

describe('platform/git against real repositories', () => {
  let repo: GitRepo;
  let dataDir: string;
  let first: string;
  let second: string;

  beforeAll(() => {
    repo = createGitRepo({ 'a.txt': 'one\n', 'src/b.ts': 'export const b = 1;\n' });
    first = repo.sha();
    repo.tag('v1');
    repo.git('tag', '-a', 'v1-annotated', '-m', 'annotated');
    second = repo.commit({ 'a.txt': 'one\ntwo\n', 'src/b.ts': null, 'src/c.ts': 'c\n' }, 'second');
    repo.branch('feature');
    repo.commit({ 'feature.txt': 'f\n' }, 'feature work');
    repo.checkout('main');
    dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-git-data-'));
  });
  afterAll(() => {
    repo.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resolves branches, tags (annotated ones to their commit), full refs, HEAD and shas', async () => {
    await expect(resolveRef(repo.dir, 'main')).resolves.toEqual({ sha: second, ref: 'refs/heads/main' });
    await expect(resolveRef(repo.url, 'refs/heads/feature')).resolves.toEqual({
      sha: repo.sha('feature'),
      ref: 'refs/heads/feature',
    });
    await expect(resolveRef(repo.dir, 'v1')).resolves.toEqual({ sha: first, ref: 'refs/tags/v1' });
    await expect(resolveRef(repo.dir, 'v1-annotated')).resolves.toEqual({ sha: first, ref: 'refs/tags/v1-annotated' });
    await expect(resolveRef(repo.dir, 'HEAD')).resolves.toEqual({ sha: second, ref: 'HEAD' });
    await expect(resolveRef(repo.dir, first)).resolves.toEqual({ sha: first, ref: first });
    await expect(resolveRef(repo.dir, first.slice(0, 8))).resolves.toEqual({ sha: first, ref: first });
  });

  it('names the ref and the repository it could not find', async () => {
    await expect(resolveRef(repo.dir, 'nope')).rejects.toThrow(`no branch, tag or commit named 'nope' in ${repo.dir}`);
    await expect(resolveRef(repo.dir, '0'.repeat(40))).rejects.toThrow(`commit ${'0'.repeat(40)} is not in`);
    await expect(resolveRef('/no/such/repository', 'main')).rejects.toBeInstanceOf(GitError);
  });

  it('lists changed paths and a -U0 diff between two commits', async () => {
    await expect(changedPaths(repo.dir, first, second)).resolves.toEqual(['a.txt', 'src/b.ts', 'src/c.ts']);
    const diff = await diffBetween(repo.url, first, second, { dataDir });
    expect(diff).toContain('+++ b/a.txt');
    expect(diff).toContain('@@ -1,0 +2 @@');
    expect(diff).toContain('+two');
    expect(diff).not.toMatch(/^ one$/m); // no context lines
    await expect(diffBetween(repo.dir, '1'.repeat(40), second)).rejects.toThrow('is not in');
  });

  it('mirrors once, fetches when a newer sha is asked for, and refuses a sha the repository lacks', async () => {
    const mirror = await ensureMirror(dataDir, repo.dir, second);
    expect(mirror).toBe(mirrorDirOf(dataDir, repo.dir));
    expect((await runGit(['config', 'gc.auto'], { cwd: mirror })).trim()).toBe('0');
    const third = repo.commit({ 'a.txt': 'three\n' }, 'third');
    await expect(showFile(mirror, third, 'a.txt')).resolves.toBeUndefined(); // not fetched yet
    await ensureMirror(dataDir, repo.dir, third);
    await expect(showFile(mirror, third, 'a.txt')).resolves.toBe('three\n');
    await expect(showFile(mirror, third, 'missing.txt')).resolves.toBeUndefined();
    await expect(ensureMirror(dataDir, repo.dir, 'f'.repeat(40))).rejects.toThrow(
      `commit ${'f'.repeat(40)} is not in ${repo.dir} (fetched all its branches and tags)`,
    );
  });

  it('checks a workspace out at the exact sha, keeps it when it is already there, replaces it otherwise', async () => {
    const mirror = await ensureMirror(dataDir, repo.url, first);
    const workspace = path.join(dataDir, 'ws', 'job');
    await expect(checkoutWorkspace(mirror, first, workspace)).resolves.toEqual({ reused: false });
    expect((await runGit(['rev-parse', 'HEAD'], { cwd: workspace })).trim()).toBe(first);
    expect(existsSync(path.join(workspace, 'src/b.ts'))).toBe(true);
    writeFileSync(path.join(workspace, 'built.txt'), 'from an earlier step');
    await expect(checkoutWorkspace(mirror, first, workspace)).resolves.toEqual({ reused: true });
    expect(readFileSync(path.join(workspace, 'built.txt'), 'utf8')).toBe('from an earlier step');
    await expect(checkoutWorkspace(mirror, second, workspace)).resolves.toEqual({ reused: false });
    expect(existsSync(path.join(workspace, 'built.txt'))).toBe(false);
    expect(existsSync(path.join(workspace, 'src/c.ts'))).toBe(true);
    await expect(checkoutWorkspace(mirror, 'e'.repeat(40), path.join(dataDir, 'ws', 'bad'))).rejects.toBeInstanceOf(
      GitError,
    );
  });

  it('serialises concurrent mirror updates of one repository', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'arxflow-git-data-'));
    try {
      const dirs = await Promise.all([1, 2, 3].map(() => ensureMirror(fresh, repo.dir, second)));
      expect(new Set(dirs).size).toBe(1);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
