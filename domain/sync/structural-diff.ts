import { idFieldFor, itemsById } from './id-arrays';
import { isJsonObject, jsonEqual } from './json-equal';
import type { DocumentPath, PathSegment } from './json-paths';
import type { JsonValue } from './sync-types';

/**
 * What changed between two versions of a document, path by path, at the highest path where
 * the versions differ: a changed field is one change at that field, an added space one change
 * at `spaces[id=S9]`. Items of id-keyed arrays are matched by id; other arrays by position.
 * The readable diff, the stats and the three-way merge all read these changes.
 */
export type StructuralChange =
  | { kind: 'added'; path: DocumentPath; after: JsonValue }
  | { kind: 'removed'; path: DocumentPath; before: JsonValue }
  | { kind: 'changed'; path: DocumentPath; before: JsonValue; after: JsonValue }
  /** The items an id-keyed array keeps are in another order (their ids before and after). */
  | { kind: 'reordered'; path: DocumentPath; before: string[]; after: string[] };

export interface StructuralDiffOptions {
  /**
   * For merging: an array whose shape moved (a positional array that grew or shrank, an
   * id-keyed array whose items changed order) is one `changed` of the whole array, since a
   * position or an order cannot be combined with the other side's edits inside that array.
   */
  wholeArrays?: boolean;
}

export function structuralChanges(
  before: JsonValue,
  after: JsonValue,
  idFields: Readonly<Record<string, string>>,
  options: StructuralDiffOptions = {},
): StructuralChange[] {
  const changes: StructuralChange[] = [];
  walk(before, after, [], changes, idFields, options.wholeArrays === true);
  return changes;
}

function walk(
  before: JsonValue,
  after: JsonValue,
  path: PathSegment[],
  out: StructuralChange[],
  idFields: Readonly<Record<string, string>>,
  wholeArrays: boolean,
): void {
  if (before === after) return;
  if (isJsonObject(before) && isJsonObject(after)) {
    for (const [key, value] of Object.entries(before)) {
      const at = [...path, { key }];
      if (!Object.hasOwn(after, key)) out.push({ kind: 'removed', path: at, before: value });
      else {
        // Id-keyed arrays are the kind's top-level lists.
        const field = path.length === 0 ? idFieldFor(idFields, key, value, after[key]) : undefined;
        if (field !== undefined) idArray(value as JsonValue[], after[key] as JsonValue[], field, at, out, wholeArrays);
        else walk(value, after[key]!, at, out, idFields, wholeArrays);
      }
    }
    for (const [key, value] of Object.entries(after))
      if (!Object.hasOwn(before, key)) out.push({ kind: 'added', path: [...path, { key }], after: value });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (wholeArrays && before.length !== after.length) {
      if (!jsonEqual(before, after)) out.push({ kind: 'changed', path, before, after });
      return;
    }
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) walk(before[i]!, after[i]!, [...path, { index: i }], out, idFields, wholeArrays);
    for (let i = common; i < before.length; i++)
      out.push({ kind: 'removed', path: [...path, { index: i }], before: before[i]! });
    for (let i = common; i < after.length; i++)
      out.push({ kind: 'added', path: [...path, { index: i }], after: after[i]! });
    return;
  }
  // Different types, or different primitives (numbers equal as JSON, such as 0 and -0, were `===`).
  out.push({ kind: 'changed', path, before, after });
}

function idArray(
  before: JsonValue[],
  after: JsonValue[],
  field: string,
  path: PathSegment[],
  out: StructuralChange[],
  wholeArrays: boolean,
): void {
  const was = itemsById(before, field)!;
  const now = itemsById(after, field)!;
  const keptBefore = [...was.keys()].filter((id) => now.has(id));
  const keptAfter = [...now.keys()].filter((id) => was.has(id));
  const reordered = keptBefore.some((id, i) => keptAfter[i] !== id);
  if (reordered && wholeArrays) {
    out.push({ kind: 'changed', path, before, after });
    return;
  }
  for (const [id, item] of was) {
    const at = [...path, { field, id }];
    if (!now.has(id)) out.push({ kind: 'removed', path: at, before: item });
    // Below an item, arrays are positional: only top-level lists are keyed.
    else walk(item, now.get(id)!, at, out, {}, wholeArrays);
  }
  for (const [id, item] of now)
    if (!was.has(id)) out.push({ kind: 'added', path: [...path, { field, id }], after: item });
  if (reordered) out.push({ kind: 'reordered', path, before: keptBefore, after: keptAfter });
}
