import { clonePlain } from '../plain-data';
import { idFieldsOf } from './document-kinds';
import { itemsById } from './id-arrays';
import { isJsonObject, jsonEqual } from './json-equal';
import { pathText, segmentKey, type DocumentPath, type PathSegment } from './json-paths';
import { structuralChanges, type StructuralChange } from './structural-diff';
import type { DocumentKind, JsonValue } from './sync-types';

/**
 * A three-way merge of a document's content, for a writer whose parent is no longer the head:
 * `ours` is the head, `theirs` the writer's content, `base` their common parent. Each side's
 * changes from base are paths (items of id-keyed arrays by id, so edits to two spaces of one
 * plan are two paths); when no path of one side is, contains or lies inside a path of the
 * other, the writer's changes are applied to the head. Otherwise a conflict names the paths,
 * except where both sides made the very same change. An array whose positions or order moved
 * counts as one change of the whole array (a position cannot be combined with the other
 * side's edits). The merged content is not checked against the kind's schema here: two valid
 * edits can still combine into an invalid document (a space on a level the other side
 * removed), so the caller checks it like any proposed content.
 */
export type MergeResult = { merged: JsonValue } | { conflict: string[] };

export function threeWayMerge(base: JsonValue, ours: JsonValue, theirs: JsonValue, kind: DocumentKind): MergeResult {
  const idFields = sharedIdFields(idFieldsOf(kind), [base, ours, theirs]);
  const oursChanges = structuralChanges(base, ours, idFields, { wholeArrays: true });
  const theirsChanges = structuralChanges(base, theirs, idFields, { wholeArrays: true });
  const { conflicts, toApply } = compareSides(oursChanges, theirsChanges);
  if (conflicts.length > 0) return { conflict: conflicts };
  const merged = { root: clonePlain(ours) };
  // In diff order: an id-keyed array's removals come before its additions, so an item the
  // writer added finds its place among the items that stay.
  for (const change of toApply) apply(merged, change, base, theirs);
  return { merged: merged.root };
}

/**
 * The id-keyed arrays that are id-keyed in all three versions: both sides' paths must name an
 * item the same way (by id, or by position when any version's ids are missing or repeated).
 */
function sharedIdFields(
  idFields: Readonly<Record<string, string>>,
  versions: JsonValue[],
): Readonly<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(idFields).filter(([key, field]) =>
      versions.every((version) => {
        const list = isJsonObject(version) ? version[key] : undefined;
        return list === undefined || itemsById(list, field) !== undefined;
      }),
    ),
  );
}

/** Conflicting paths (readable, each once), and the writer's changes the head does not have yet. */
function compareSides(
  ours: readonly StructuralChange[],
  theirs: readonly StructuralChange[],
): { conflicts: string[]; toApply: StructuralChange[] } {
  const oursAt = new Map(ours.map((change) => [pathKey(change.path), change]));
  // Every proper ancestor of a path ours changed: a change of theirs there contains one of ours.
  const oursBelow = new Set(
    ours.flatMap((change) => change.path.slice(0, -1).map((_, i) => pathKey(change.path.slice(0, i + 1)))),
  );
  if (ours.length > 0) oursBelow.add(pathKey([]));
  const conflicts = new Set<string>();
  const toApply: StructuralChange[] = [];
  for (const change of theirs) {
    const key = pathKey(change.path);
    const same = oursAt.get(key);
    if (same) {
      if (!sameChange(same, change)) conflicts.add(pathText(change.path));
      continue;
    }
    // Ours changed an ancestor of this path (say removed the item theirs edited).
    const ancestor = change.path.map((_, i) => change.path.slice(0, i)).find((prefix) => oursAt.has(pathKey(prefix)));
    if (ancestor) conflicts.add(pathText(ancestor));
    // Or ours changed something inside what theirs changed.
    else if (oursBelow.has(key)) conflicts.add(pathText(change.path));
    else toApply.push(change);
  }
  return { conflicts: [...conflicts], toApply };
}

function sameChange(a: StructuralChange, b: StructuralChange): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'removed') return true;
  return jsonEqual(afterOf(a), afterOf(b));
}

function afterOf(change: StructuralChange): JsonValue | undefined {
  return change.kind === 'added' || change.kind === 'changed' ? change.after : undefined;
}

function pathKey(path: DocumentPath): string {
  return JSON.stringify(path.map(segmentKey));
}

/** Applies one change of theirs to the merged content (its parent path exists there: no conflict). */
function apply(merged: { root: JsonValue }, change: StructuralChange, base: JsonValue, theirs: JsonValue): void {
  if (change.path.length === 0) {
    if (change.kind === 'removed' || change.kind === 'reordered')
      throw new Error('merge: the whole document cannot be removed');
    merged.root = clonePlain(change.after);
    return;
  }
  const parent = change.path.slice(0, -1).reduce<JsonValue>((node, segment) => child(node, segment), merged.root);
  const last = change.path[change.path.length - 1]!;
  if ('key' in last) {
    if (!isJsonObject(parent)) throw new Error(`merge: ${pathText(change.path)} has no object to change`);
    if (change.kind === 'removed') delete parent[last.key];
    else if (change.kind !== 'reordered') setField(parent, last.key, clonePlain(change.after));
    return;
  }
  if (!Array.isArray(parent)) throw new Error(`merge: ${pathText(change.path)} has no array to change`);
  if ('index' in last) {
    // Positions that moved are whole-array changes: only a value at a kept position changes here.
    if (change.kind !== 'changed') throw new Error(`merge: ${pathText(change.path)}: unexpected ${change.kind}`);
    parent[last.index] = clonePlain(change.after);
    return;
  }
  const at = parent.findIndex((item) => isJsonObject(item) && item[last.field] === last.id);
  if (change.kind === 'removed') parent.splice(at, 1);
  else if (change.kind === 'changed') parent[at] = clonePlain(change.after);
  else if (change.kind === 'added') {
    const arrayPath = change.path.slice(0, -1);
    parent.splice(
      insertionPoint(parent, last, valueAt(base, arrayPath), valueAt(theirs, arrayPath)),
      0,
      clonePlain(change.after),
    );
  }
}

/**
 * Where an item the writer added goes: after the nearest item before it in the writer's array
 * that the merged array has, past the items the head added there (the head's additions come
 * first); at the start, past the head's additions, when none is before it.
 */
function insertionPoint(
  target: JsonValue[],
  added: { field: string; id: string },
  base: JsonValue | undefined,
  theirs: JsonValue | undefined,
): number {
  const { field, id } = added;
  const idOf = (item: JsonValue | undefined) => (isJsonObject(item) ? item[field] : undefined);
  const inBase = itemsById(base, field) ?? new Map<string, JsonValue>();
  const theirsIds = Array.isArray(theirs) ? theirs.map(idOf) : [];
  let point = 0;
  for (let i = theirsIds.indexOf(id) - 1; i >= 0; i--) {
    const found = target.findIndex((item) => idOf(item) === theirsIds[i]);
    if (found >= 0) {
      point = found + 1;
      break;
    }
  }
  while (point < target.length && !inBase.has(idOf(target[point]) as string)) point++;
  return point;
}

function child(node: JsonValue, segment: PathSegment): JsonValue {
  let next: JsonValue | undefined;
  if ('key' in segment) next = isJsonObject(node) ? node[segment.key] : undefined;
  else if ('index' in segment) next = Array.isArray(node) ? node[segment.index] : undefined;
  else
    next = Array.isArray(node)
      ? node.find((item) => isJsonObject(item) && item[segment.field] === segment.id)
      : undefined;
  if (next === undefined) throw new Error(`merge: no ${segmentKey(segment)} to change`);
  return next;
}

function valueAt(root: JsonValue, path: DocumentPath): JsonValue | undefined {
  try {
    return path.reduce<JsonValue>((node, segment) => child(node, segment), root);
  } catch {
    return undefined;
  }
}

/** Sets a field as an own property, whatever its name (content is plain JSON). */
function setField(object: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
