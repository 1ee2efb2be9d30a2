/** A UTF-16 surrogate without its partner: not a Unicode character, not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where `value` (parsed JSON, a query string...) holds text that is not valid Unicode: a lone
 * surrogate such as "\ud800" in JSON, which Temporal's gRPC (protobuf strings are UTF-8)
 * cannot carry. Returns `<path>: ...` naming the first such string or object key
 * (`body.items[2].name`), or undefined. Iterative: a deeply nested body cannot overflow the stack.
 */
export function invalidUnicodeIn(value: unknown, root: string): string | undefined {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      const found = LONE_SURROGATE.exec(item);
      if (found)
        return `${path}: not valid Unicode (lone surrogate U+${found[0].charCodeAt(0).toString(16).toUpperCase()} at character ${found.index})`;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (LONE_SURROGATE.test(key)) return `${path}: a key is not valid Unicode (lone surrogate)`;
        pending.push([child, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`]);
      }
    }
  }
  return undefined;
}

/**
 * Where `value` holds a NUL character (U+0000) in a string or key: PostgreSQL cannot store it in
 * text or jsonb, so it came back from the store as a 500 (found by the bad-input chaos scenario:
 * a silence's id or comment, a payee's name). Returns `<path>: ...` naming the first, or undefined.
 */
export function nulCharacterIn(value: unknown, root: string): string | undefined {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      const at = item.indexOf('\u0000');
      if (at >= 0) return `${path}: must not contain NUL characters (U+0000 at character ${at})`;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return `${path}: a key must not contain NUL characters`;
        pending.push([child, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`]);
      }
    }
  }
  return undefined;
}
