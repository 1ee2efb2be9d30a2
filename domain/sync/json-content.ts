import type { FieldIssue } from '../validation';
import type { JsonValue } from './sync-types';

/**
 * What every document's content must be, whatever its kind: plain JSON (null, booleans,
 * finite numbers, texts, arrays, plain objects), at most MAX_JSON_DEPTH deep (diffs and merges
 * walk it recursively), and without a `__proto__` key (JSON Patch refuses that path, and an
 * object built from it would change its prototype instead of holding a field).
 */
export const MAX_JSON_DEPTH = 100;

/** The first problems of `value` as JSON content (dotted paths, `(root)` for the whole), at most 20. */
export function jsonContentIssues(value: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const note = (path: (string | number)[], message: string) => {
    if (issues.length < 20) issues.push({ path: path.length ? path.join('.') : '(root)', message });
  };
  // Its own stack rather than recursion: the depth check must not depend on the call stack.
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && issues.length < 20) {
    const { value: item, path } = stack.pop()!;
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) note(path, 'must be a finite number');
      continue;
    }
    if (typeof item !== 'object') {
      note(path, `must be JSON (not ${typeof item})`);
      continue;
    }
    if (path.length >= MAX_JSON_DEPTH) {
      note(path, `nested too deep (more than ${MAX_JSON_DEPTH} levels)`);
      continue;
    }
    if (Array.isArray(item)) {
      item.forEach((element, i) => stack.push({ value: element, path: [...path, i] }));
      continue;
    }
    const prototype = Object.getPrototypeOf(item);
    if (prototype !== Object.prototype && prototype !== null) {
      note(path, 'must be a plain JSON object');
      continue;
    }
    for (const [key, field] of Object.entries(item)) {
      if (key === '__proto__') note([...path, key], 'the key "__proto__" is not allowed');
      else stack.push({ value: field, path: [...path, key] });
    }
  }
  return issues;
}

/** Whether `value` is JSON content as above. */
export function isJsonContent(value: unknown): value is JsonValue {
  return jsonContentIssues(value).length === 0;
}
