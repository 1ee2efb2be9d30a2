/**
 * Paths into a document, as diffs and merges see them: an object's key, an array's position,
 * or an item of an id-keyed array by its id (domain/sync/document-kinds.ts `idFields`), and
 * their readable text: `spaces[id=S2].areaSqft`, `items[2].x`, `["odd key"]`.
 */
export type PathSegment =
  | { key: string }
  | { index: number }
  /** An item of an id-keyed array: `field` is the id field's name (`id`), `id` its value. */
  | { field: string; id: string };

export type DocumentPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `spaces[id=S2].areaSqft`; `(root)` for the whole document. */
export function pathText(path: DocumentPath): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, i) => {
      if ('key' in segment)
        return PLAIN_KEY.test(segment.key) ? `${i === 0 ? '' : '.'}${segment.key}` : `[${JSON.stringify(segment.key)}]`;
      if ('index' in segment) return `[${segment.index}]`;
      return `[${segment.field}=${segment.id}]`;
    })
    .join('');
}

/** One segment as a comparable string (a key, a position and an id never collide). */
export function segmentKey(segment: PathSegment): string {
  if ('key' in segment) return `k:${segment.key}`;
  if ('index' in segment) return `i:${segment.index}`;
  return `id:${segment.id}`;
}

/** Whether `prefix` is `path` or one of its ancestors. */
export function isPathPrefix(prefix: DocumentPath, path: DocumentPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segmentKey(segment) === segmentKey(path[i]!));
}

/** A JSON Pointer (RFC 6901) token: `~` and `/` escaped. */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}
