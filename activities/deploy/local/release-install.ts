import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderTemplate } from '../../../domain/deploy/templates';
import type { LocalLayout } from './local-layout';

const run = promisify(execFile);

export interface ArtifactContext {
  service: string;
  environment: string;
  configDir: string;
}

/** The artifact of `version`: the template rendered, relative paths from the config file's folder. */
export function artifactPath(template: string, version: string, context: ArtifactContext): string {
  const rendered = renderTemplate(template, { service: context.service, environment: context.environment, version });
  return path.resolve(context.configDir, rendered);
}

/**
 * Installs `version` into releases/<version> unless it is there: a directory is copied with
 * symlinks dereferenced (the release must not depend on where it came from), a .tar.gz/.tgz is
 * unpacked with `tar` (a single top-level folder in it is the release). Either goes to a
 * `.partial-*` folder first and is renamed into place when complete, so a copy cut short by a
 * crash never counts as installed; the next call clears it and starts over.
 * Returns the release folder and whether this call installed it.
 */
export async function installRelease(
  layout: LocalLayout,
  version: string,
  artifact: string,
): Promise<{ dir: string; installed: boolean }> {
  const dir = layout.releaseDir(version);
  if (existsSync(dir)) return { dir, installed: false };
  if (!existsSync(artifact)) throw new Error(`the artifact of version ${version} does not exist: ${artifact}`);
  const partialPrefix = `.partial-${version}-`;
  for (const entry of readdirSync(layout.releases))
    if (entry.startsWith(partialPrefix)) rmSync(path.join(layout.releases, entry), { recursive: true, force: true });
  const partial = path.join(layout.releases, `${partialPrefix}${process.pid}-${Date.now()}`);
  try {
    let root = partial;
    if (statSync(artifact).isDirectory()) {
      cpSync(artifact, partial, { recursive: true, dereference: true });
    } else if (/\.(tar\.gz|tgz)$/.test(artifact)) {
      mkdirSync(partial);
      await run('tar', ['-xzf', artifact, '-C', partial]);
      const entries = readdirSync(partial);
      if (entries.length === 1 && statSync(path.join(partial, entries[0]!)).isDirectory())
        root = path.join(partial, entries[0]!);
    } else {
      throw new Error(`the artifact of version ${version} is neither a directory nor a .tar.gz/.tgz: ${artifact}`);
    }
    renameSync(root, dir);
  } catch (err) {
    // Another call installed it meanwhile: theirs is complete, ours is dropped.
    if (!existsSync(dir)) throw err;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return { dir, installed: true };
}
