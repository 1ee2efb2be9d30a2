import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Files to write: path in the repository -> content; `null` deletes the file. */
export type RepoFiles = Record<string, string | null>;

export interface GitRepo {
  /** The work tree (also what a pipeline's `repo` may name: a local path). */
  dir: string;
  /** `file://<dir>`, for tests of URL repositories. */
  url: string;
  /** Writes (or deletes) the files, commits them on the current branch, returns the new sha. */
  commit(files: RepoFiles, message?: string): string;
  /** Creates (or moves) a branch at HEAD and checks it out. */
  branch(name: string): void;
  /** Checks out an existing branch. */
  checkout(name: string): void;
  tag(name: string): void;
  /** The sha HEAD (or another ref) points at. */
  sha(ref?: string): string;
  /** Runs git in the repository, returns trimmed stdout. */
  git(...args: string[]): string;
  remove(): void;
}

/**
 * A real git repository in a temporary directory, with a first commit of `files` on branch
 * `main` (identity and signing settings fixed so tests behave the same on every machine).
 */
export function createGitRepo(files: RepoFiles = { 'README.md': '# test repository\n' }): GitRepo {
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-git-'));
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    }).trim();
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'tag.gpgsign', 'false');

  const repo: GitRepo = {
    dir,
    url: `file://${dir}`,
    commit(changes, message = 'change') {
      for (const [file, content] of Object.entries(changes)) {
        const full = path.join(dir, file);
        if (content === null) {
          unlinkSync(full);
          continue;
        }
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    branch: (name) => void git('checkout', '--quiet', '-B', name),
    checkout: (name) => void git('checkout', '--quiet', name),
    tag: (name) => void git('tag', name),
    sha: (ref = 'HEAD') => git('rev-parse', `${ref}^{commit}`),
    git,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  repo.commit(files, 'initial commit');
  return repo;
}
