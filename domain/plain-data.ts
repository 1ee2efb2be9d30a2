/*
 * Plain data (JSON-like state of the domain classes) copied and kept small. Workflow state
 * travels in queries, histories and continue-as-new, so it is plain data by construction.
 */

/**
 * A deep copy of plain data: arrays, plain objects and primitives. Recursive rather than
 * structuredClone (missing in some workflow sandboxes) or a JSON round-trip (slower, and it
 * would silently turn `undefined` members and non-finite numbers into something else).
 */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = clonePlain(item);
    return copy as T;
  }
  return value;
}

/** Appends to a list kept at most `max` long, dropping the oldest: histories and payloads stay bounded. */
export function pushCapped<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** A plain object (not null, not an array): the one test for "an object with fields" on unparsed data. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
