import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

/** Every file and directory of the workspace as a relative POSIX path, .git excluded, sorted. */
export function workspaceEntries(workspace: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(workspace, relative), { withFileTypes: true })) {
      if (!relative && entry.name === '.git') continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        dirs.push(child);
        walk(child);
      } else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return { files: files.sort(), dirs: dirs.sort() };
}

/** Paths of the workspace `patterns` name: globs (picomatch, dotfiles included) or plain paths. */
export function matchWorkspace(
  workspace: string,
  patterns: readonly string[],
  options: { dirs?: boolean } = {},
): string[] {
  const { files, dirs } = workspaceEntries(workspace);
  const candidates = options.dirs ? [...dirs, ...files] : files;
  const matches = new Set<string>();
  for (const pattern of patterns) {
    const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
    const isMatch = picomatch(clean, { dot: true });
    for (const candidate of candidates) if (isMatch(candidate)) matches.add(candidate);
    // A plain directory name (dist) means what is under it, as in GitHub's upload-artifact.
    if (!options.dirs && dirs.includes(clean))
      for (const file of files) if (file.startsWith(`${clean}/`)) matches.add(file);
  }
  return [...matches].sort();
}

/**
 * GitHub's hashFiles(): one SHA-256 over the SHA-256 of each matching file, in path order; '' when
 * nothing matches (so a key without its lock file is still a key).
 */
export function hashWorkspaceFiles(workspace: string, patterns: readonly string[]): string {
  const files = matchWorkspace(workspace, patterns);
  if (files.length === 0) return '';
  const all = createHash('sha256');
  for (const file of files) {
    // Synchronous because renderCacheKey asks for hashes synchronously; key files are lock files, small.
    all.update(
      createHash('sha256')
        .update(readFileSync(path.join(workspace, file)))
        .digest(),
    );
  }
  return all.digest('hex');
}
