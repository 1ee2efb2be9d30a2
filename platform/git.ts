// Git through the real `git` binary (execFile, never a shell): refs, diffs, and what pipeline
// workspaces need (a bare mirror per repository, a checkout at an exact sha).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** A git command that failed: the command and git's own words. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const FULL_SHA = /^[0-9a-f]{40}$/i;

/** Runs git, returns stdout (untrimmed). Never prompts for credentials: an https repository that needs them fails. */
export function runGit(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; maxBuffer?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'echo', LC_ALL: 'C' },
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const said = (stderr || err.message).trim().split('\n').slice(0, 5).join('; ');
        reject(new GitError(`git ${args.join(' ')}: ${said}`, stderr));
      },
    );
  });
}

/** Where git can read the repository from: an absolute local path, or the URL as given (file://, https://). */
export function repoLocation(repo: string): string {
  if (/^(file|https?|ssh|git):\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return repo;
  return path.resolve(repo);
}

/** A local directory git can run in directly (a work tree or bare repository), or undefined for URLs. */
function localGitDir(repo: string): string | undefined {
  const location = repoLocation(repo);
  const dir = location.startsWith('file://') ? decodeURIComponent(location.slice('file://'.length)) : location;
  if (/^[a-z]+:\/\//i.test(dir)) return undefined;
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/**
 * The commit `ref` names in `repo`: a branch, a tag, a full ref (refs/...), HEAD or a sha.
 * Returns the sha and the full ref (the sha itself when a sha was given). An unknown ref: GitError
 * naming it and the repository.
 */
export async function resolveRef(repo: string, ref: string): Promise<{ sha: string; ref: string }> {
  const location = repoLocation(repo);
  if (FULL_SHA.test(ref)) {
    const local = localGitDir(repo);
    if (local) await assertCommit(local, ref, repo);
    return { sha: ref.toLowerCase(), ref: ref.toLowerCase() };
  }
  const listing = await runGit(['ls-remote', location]);
  const refs = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name, sha);
  }
  for (const candidate of ref === 'HEAD' ? ['HEAD'] : [ref, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
    // An annotated tag's own object is not a commit: its peeled line (^{}) is.
    const sha = refs.get(`${candidate}^{}`) ?? refs.get(candidate);
    if (sha && (candidate.startsWith('refs/') || candidate === 'HEAD')) return { sha, ref: candidate };
  }
  // A short sha or an expression (main~1) can only be resolved where the objects are.
  const local = localGitDir(repo);
  if (local && /^[\w./~^-]+$/.test(ref) && !ref.startsWith('-')) {
    const sha = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: local }).catch(() => '');
    if (sha.trim()) return { sha: sha.trim(), ref: sha.trim() };
  }
  throw new GitError(`no branch, tag or commit named '${ref}' in ${repo}`);
}

async function assertCommit(gitDir: string, sha: string, repo: string): Promise<void> {
  const found = await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: gitDir }).then(
    () => true,
    () => false,
  );
  if (!found) throw new GitError(`commit ${sha} is not in ${repo}`);
}

/** `<dataDir>/pipelines/mirrors/<hash of the location>`: one bare mirror per repository. */
export function mirrorDirOf(dataDir: string, repo: string): string {
  const hash = createHash('sha256').update(repoLocation(repo)).digest('hex').slice(0, 24);
  return path.join(dataDir, 'pipelines', 'mirrors', hash);
}

/** Fetches into one mirror at a time in this process (git's ref locks refuse concurrent fetches). */
const mirrorQueues = new Map<string, Promise<unknown>>();

/**
 * The repository's bare mirror under the data dir, cloned once and fetched again only when it
 * lacks `sha`. Returns its directory. The mirror never garbage-collects (gc.auto 0): workspaces
 * are `--shared` clones that borrow its objects. A sha the repository does not have: GitError.
 */
export async function ensureMirror(dataDir: string, repo: string, sha?: string): Promise<string> {
  const dir = mirrorDirOf(dataDir, repo);
  const previous = mirrorQueues.get(dir) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => updateMirror(dir, repo, sha));
  mirrorQueues.set(dir, next);
  try {
    return await next;
  } finally {
    if (mirrorQueues.get(dir) === next) mirrorQueues.delete(dir);
  }
}

async function updateMirror(dir: string, repo: string, sha: string | undefined): Promise<string> {
  const has = async () =>
    !sha ||
    (await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: dir }).then(
      () => true,
      () => false,
    ));
  if (existsSync(path.join(dir, 'HEAD'))) {
    if (await has()) return dir;
    await runGit(['fetch', '--prune', '--quiet', 'origin'], { cwd: dir });
  } else {
    // Cloned beside and renamed into place, so another process never sees half a mirror.
    mkdirSync(path.dirname(dir), { recursive: true });
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    try {
      await runGit(['clone', '--mirror', '--quiet', repoLocation(repo), partial]);
      await runGit(['config', 'gc.auto', '0'], { cwd: partial });
      if (existsSync(path.join(dir, 'HEAD'))) rmSync(partial, { recursive: true, force: true });
      else renameSync(partial, dir);
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      // Another process renamed its clone into place first: theirs serves as well.
      if (!existsSync(path.join(dir, 'HEAD'))) throw err;
    }
  }
  if (!(await has())) throw new GitError(`commit ${sha} is not in ${repo} (fetched all its branches and tags)`);
  return dir;
}

/**
 * A work tree at exactly `sha` in `workspace`, cloned from the mirror with `--shared`. A workspace
 * already checked out at that sha is kept as it is (a retried step finds the earlier steps' files):
 * `reused` says so. Anything else in the directory is replaced.
 */
export async function checkoutWorkspace(
  mirrorDir: string,
  sha: string,
  workspace: string,
): Promise<{ reused: boolean }> {
  if (existsSync(path.join(workspace, '.git'))) {
    const head = await runGit(['rev-parse', 'HEAD'], { cwd: workspace }).catch(() => '');
    if (head.trim() === sha) return { reused: true };
  }
  rmSync(workspace, { recursive: true, force: true });
  mkdirSync(path.dirname(workspace), { recursive: true });
  await runGit(['clone', '--shared', '--no-checkout', '--quiet', mirrorDir, workspace]);
  await runGit(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', sha], { cwd: workspace });
  return { reused: false };
}

/** The content of `file` at `sha`, or undefined when the commit has no such file. */
export async function showFile(gitDir: string, sha: string, file: string): Promise<string | undefined> {
  const spec = `${sha}:${file.replace(/^\.?\//, '')}`;
  const exists = await runGit(['cat-file', '-e', spec], { cwd: gitDir }).then(
    () => true,
    () => false,
  );
  if (!exists) return undefined;
  return runGit(['show', spec], { cwd: gitDir });
}

/** Where to run a read-only git command for `repo`: the repository itself when local, else its mirror. */
async function gitDirFor(repo: string, options: { dataDir?: string }, sha: string): Promise<string> {
  if (options.dataDir) return ensureMirror(options.dataDir, repo, sha);
  const local = localGitDir(repo);
  if (!local) throw new GitError(`${repo} is not a local repository: a data dir is needed to mirror it`);
  return local;
}

/** Paths changed between two commits (added, modified, deleted, renamed: both names). */
export async function changedPaths(
  repo: string,
  baseSha: string,
  sha: string,
  options: { dataDir?: string } = {},
): Promise<string[]> {
  const dir = await gitDirFor(repo, options, sha);
  await assertCommit(dir, baseSha, repo);
  const out = await runGit(['diff', '--name-only', '--no-renames', '-z', baseSha, sha], { cwd: dir });
  return out.split('\0').filter(Boolean);
}

/** The unified diff (-U0, no colour, no renames) from `baseSha` to `sha`: what patch coverage reads. */
export async function diffBetween(
  repo: string,
  baseSha: string,
  sha: string,
  options: { dataDir?: string } = {},
): Promise<string> {
  const dir = await gitDirFor(repo, options, sha);
  await assertCommit(dir, baseSha, repo);
  return runGit(['diff', '--no-color', '--no-renames', '--no-ext-diff', '-U0', baseSha, sha], { cwd: dir });
}
