import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { SYNC_HEAD_REF } from './sync-types';

/** A branch name's length bound (it goes into URLs, audit data and the CLI's lines). */
export const MAX_BRANCH_NAME_CHARS = 100;

/**
 * Why `name` is not a branch name, or undefined when it is one. Git-like: letters, digits and
 * `.`, `_`, `-`, `/`; starts with a letter or digit; no `..` (a range in git), no `//`, no
 * trailing `/` or `.`, no `.lock` ending (git's lock files); not `head` in any case (the ref
 * every document has); at most MAX_BRANCH_NAME_CHARS.
 */
export function branchNameRefusal(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_BRANCH_NAME_CHARS) return `at most ${MAX_BRANCH_NAME_CHARS} characters, got ${name.length}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name))
    return 'letters, digits and . _ - / only, starting with a letter or digit';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.includes('//')) return 'must not contain "//"';
  if (name.endsWith('/') || name.endsWith('.')) return 'must not end with "/" or "."';
  if (name.endsWith('.lock')) return 'must not end with ".lock"';
  if (name.toLowerCase() === SYNC_HEAD_REF) return `"${name}" is the document's head, not a branch name`;
  return undefined;
}

/** A branch name (branchNameRefusal says the rules), as requests carry it. */
export const syncBranchNameSchema = lazySchema(() =>
  z.string({ error: 'must be a branch name (text)' }).superRefine((name, ctx) => {
    const refusal = branchNameRefusal(name);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
  }),
);
