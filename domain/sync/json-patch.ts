import { applyOperation, compare, type Operation } from 'fast-json-patch';
import { clonePlain } from '../plain-data';
import { idFieldFor, itemsById } from './id-arrays';
import { isJsonObject, jsonEqual } from './json-equal';
import { pointerToken } from './json-paths';
import type { JsonValue, PatchOperation } from './sync-types';

/**
 * RFC 6902 patches between versions of a document (fast-json-patch `compare` and
 * `applyPatch`). A kind's id-keyed arrays are patched by id: a removed item is one `remove`,
 * an added one one `add`, an item that changed place one `move`, and an edited item's fields
 * are patched where the item now is. Plain `compare` would match such arrays by position, so
 * inserting one space would rewrite every space after it.
 */
export function jsonPatch(
  before: JsonValue,
  after: JsonValue,
  idFields: Readonly<Record<string, string>> = {},
): PatchOperation[] {
  if (!sameContainerType(before, after))
    return jsonEqual(before, after) ? [] : [{ op: 'replace', path: '', value: clonePlain(after) }];
  if (!isJsonObject(before) || !isJsonObject(after))
    return compare(before as object, after as object) as PatchOperation[];
  const keyed = Object.keys(before).filter(
    (key) => Object.hasOwn(after, key) && idFieldFor(idFields, key, before[key], after[key]) !== undefined,
  );
  const rest = (value: { [key: string]: JsonValue }) =>
    Object.fromEntries(Object.entries(value).filter(([key]) => !keyed.includes(key)));
  const operations = compare(rest(before), rest(after)) as PatchOperation[];
  for (const key of keyed)
    operations.push(
      ...idArrayPatch(before[key] as JsonValue[], after[key] as JsonValue[], idFields[key]!, `/${pointerToken(key)}`),
    );
  return operations;
}

/**
 * Operations that turn one id-keyed array into the other: removals from the end first (so
 * each index is still right), then, position by position, an `add` for a new item or a `move`
 * of a kept item from where it is, each followed by the item's own field changes.
 */
function idArrayPatch(before: JsonValue[], after: JsonValue[], field: string, path: string): PatchOperation[] {
  const was = itemsById(before, field)!;
  const now = itemsById(after, field)!;
  const operations: PatchOperation[] = [];
  const ids = [...was.keys()];
  for (let i = ids.length - 1; i >= 0; i--)
    if (!now.has(ids[i]!)) {
      operations.push({ op: 'remove', path: `${path}/${i}` });
      ids.splice(i, 1);
    }
  [...now.entries()].forEach(([id, item], target) => {
    const old = was.get(id);
    if (old === undefined) {
      operations.push({ op: 'add', path: `${path}/${target}`, value: clonePlain(item) });
      ids.splice(target, 0, id);
      return;
    }
    const at = ids.indexOf(id, target);
    if (at !== target) {
      operations.push({ op: 'move', from: `${path}/${at}`, path: `${path}/${target}` });
      ids.splice(at, 1);
      ids.splice(target, 0, id);
    }
    for (const operation of jsonPatch(old, item)) operations.push(prefixed(operation, `${path}/${target}`));
  });
  return operations;
}

function prefixed(operation: PatchOperation, prefix: string): PatchOperation {
  if (operation.op === 'move' || operation.op === 'copy')
    return { ...operation, from: `${prefix}${operation.from}`, path: `${prefix}${operation.path}` };
  return { ...operation, path: `${prefix}${operation.path}` };
}

function sameContainerType(a: JsonValue, b: JsonValue): boolean {
  return (isJsonObject(a) && isJsonObject(b)) || (Array.isArray(a) && Array.isArray(b));
}

/** A patch that does not apply to the document it was given (a path missing, a failed `test`). */
export class PatchApplyError extends Error {
  constructor(
    message: string,
    readonly operationIndex?: number,
  ) {
    super(message);
    this.name = 'PatchApplyError';
  }
}

/** The document with `patch` applied; neither argument is changed. Throws PatchApplyError naming the operation. */
export function applyJsonPatch(document: JsonValue, patch: readonly PatchOperation[]): JsonValue {
  // Our own copies: the library then works on the copied document in place, and values the
  // patch adds are not shared with the caller's patch.
  let result = clonePlain(document);
  const operations = clonePlain(patch) as Operation[];
  // One operation at a time: the library's validator reports every failure as operation 0.
  operations.forEach((operation, index) => {
    try {
      result = applyOperation(result, operation, true, true, true, index).newDocument;
    } catch (error) {
      // A JsonPatchError, or the TypeError of a `__proto__` path the library refuses.
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new PatchApplyError(
        `operation ${index} (${operation.op} ${operation.path || '(root)'}) does not apply: ${reason}`,
        index,
      );
    }
  });
  return result;
}
