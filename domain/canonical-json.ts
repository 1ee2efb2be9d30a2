/**
 * JSON with object keys sorted at every depth, so equal values always serialise to
 * equal strings (PostgreSQL's jsonb does not keep key order). Used for hashing.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    // A loop into a prototype-less object: twice as fast as Object.fromEntries on a 23 MB
    // plan, and a "__proto__" key stays an own key, as JSON.parse made it.
    const source = value as Record<string, unknown>;
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(source).sort()) {
      if (source[key] !== undefined) sorted[key] = sortKeys(source[key]);
    }
    return sorted;
  }
  return value;
}
