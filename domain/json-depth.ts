/**
 * Parsed JSON nested past what any arxflow request needs. JSON.parse reads 10,000 levels, but
 * writing such a value back (the Temporal client's payload converter, JSON.stringify) overflows
 * the stack: a start with a 10,000-deep `fields` answered 500 (found by the bad-input chaos
 * scenario). Sync documents stop at 100 levels of content; requests get room above that.
 */
export const MAX_REQUEST_DEPTH = 256;

/**
 * `<path>: nested deeper than N levels` naming the first value past the limit, or undefined.
 * Iterative: the value it checks is the one that would overflow a recursive walk.
 */
export function nestingRefusal(value: unknown, root: string, maxDepth = MAX_REQUEST_DEPTH): string | undefined {
  const pending: [unknown, number, string][] = [[value, 0, root]];
  while (pending.length > 0) {
    const [item, depth, path] = pending.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= maxDepth)
      return `${path.length > 80 ? `${path.slice(0, 80)}…` : path}: nested deeper than ${maxDepth} levels`;
    if (Array.isArray(item)) item.forEach((child, i) => pending.push([child, depth + 1, `${path}[${i}]`]));
    else
      for (const [key, child] of Object.entries(item))
        pending.push([
          child,
          depth + 1,
          /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        ]);
  }
  return undefined;
}
