import { z } from 'zod';
import { lazySchema } from '../lazy-schema';

/**
 * A deployable version: a semantic version 2.0.0 (`1.4.2`, `2.0.0-rc.1`, `1.0.0+build.7`).
 * It becomes part of the workflow id (`deploy/<service>/<environment>/<version>`), a release
 * folder (`releases/<version>`) and an image tag, so nothing else gets through.
 */

/** semver.org's own pattern (no leading zeros, dot-separated pre-release and build identifiers). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const VERSION_MAX_LENGTH = 64;

/** Why `text` is not a version, or undefined. */
export function versionProblem(text: string): string | undefined {
  if (text.length > VERSION_MAX_LENGTH) return `must be at most ${VERSION_MAX_LENGTH} characters`;
  if (SEMVER.test(text)) return undefined;
  if (/^v\d/i.test(text) && SEMVER.test(text.slice(1)))
    return `must be a semantic version without "v": ${text.slice(1)}`;
  return `"${text}" is not a semantic version such as 1.4.2 or 2.0.0-rc.1`;
}

export function isVersion(text: string): boolean {
  return versionProblem(text) === undefined;
}

export const versionSchema = lazySchema(() =>
  z.string({ error: 'must be a semantic version such as 1.4.2 or 2.0.0-rc.1' }).superRefine((text, ctx) => {
    const problem = versionProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);
