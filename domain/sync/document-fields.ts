import { z } from 'zod';
import { lazySchema } from '../lazy-schema';

/*
 * Fields the budget and schedule kinds share. Ids follow the plan format's rule (they end up in
 * readable diff paths such as `lines[id=L3]`), and a list's ids are unique, so an item is found
 * by its id in diffs and merges.
 */

export const documentIdSchema = lazySchema(() =>
  z.string({ error: 'must be an id (text)' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    error: 'must be 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  }),
);

export const documentTextSchema = lazySchema(() =>
  z
    .string({ error: 'must be a text' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(500, { error: 'must be at most 500 characters' }),
);

interface Issue {
  path: (string | number)[];
  message: string;
}

/** An issue for each item of `list` whose id an earlier item already used, at `<list>.<i>.id`. */
export function duplicateIdIssues(listName: string, items: readonly { id: string }[]): Issue[] {
  const firstAt = new Map<string, number>();
  const issues: Issue[] = [];
  items.forEach((item, i) => {
    const first = firstAt.get(item.id);
    if (first === undefined) firstAt.set(item.id, i);
    else
      issues.push({
        path: [listName, i, 'id'],
        message: `duplicate id "${item.id}" (already used by ${listName}.${first})`,
      });
  });
  return issues;
}
