import { isJsonObject } from './json-equal';
import type { JsonValue } from './sync-types';

/**
 * Id-keyed arrays: the top-level arrays a kind names in `idFields` whose items are all objects
 * with a unique text id. An array that breaks this (a missing or repeated id, content a
 * schema has not checked yet) is compared by position instead, so a diff never loses an item.
 */

/** The id field for the top-level array `key` when both sides are id-keyed arrays, else undefined. */
export function idFieldFor(
  idFields: Readonly<Record<string, string>>,
  key: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): string | undefined {
  const field = Object.hasOwn(idFields, key) ? idFields[key] : undefined;
  if (field === undefined) return undefined;
  return itemsById(before, field) && itemsById(after, field) ? field : undefined;
}

/** id -> item of an id-keyed array (insertion order = array order), or undefined when it is not one. */
export function itemsById(value: JsonValue | undefined, field: string): Map<string, JsonValue> | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = new Map<string, JsonValue>();
  for (const item of value) {
    if (!isJsonObject(item)) return undefined;
    const id = item[field];
    if (typeof id !== 'string' || items.has(id)) return undefined;
    items.set(id, item);
  }
  return items;
}
