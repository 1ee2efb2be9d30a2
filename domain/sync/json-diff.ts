import { idFieldsOf } from './document-kinds';
import { jsonPatch } from './json-patch';
import { pathText } from './json-paths';
import { structuralChanges, type StructuralChange } from './structural-diff';
import type { CommitStats, DocumentKind, JsonValue, PatchOperation } from './sync-types';

export { applyJsonPatch, jsonPatch, PatchApplyError } from './json-patch';

/**
 * A commit's diff in the three forms its readers need: the RFC 6902 patch that is stored, the
 * stats `sync log` shows, and readable lines (`spaces[id=S2].areaSqft: 400 -> 650`,
 * `lines[id=L3]: added`, `items[2].x: 1 -> 2`) for `sync diff`, notifications and hooks.
 */
export interface DocumentDiff {
  patch: PatchOperation[];
  stats: CommitStats;
  changes: string[];
}

/**
 * The diff from `before` to `after` as documents of `kind`. `before` undefined: a document's
 * first commit, whose patch is empty (its content is stored whole) and whose stats count every
 * leaf as added.
 */
export function diffDocuments(before: JsonValue | undefined, after: JsonValue, kind: DocumentKind): DocumentDiff {
  if (before === undefined)
    return { patch: [], stats: { added: leafCount(after), removed: 0, changed: 0 }, changes: ['(root): added'] };
  const changes = structuralChanges(before, after, idFieldsOf(kind));
  return {
    patch: jsonPatch(before, after, idFieldsOf(kind)),
    stats: statsOf(changes),
    changes: changes.map(changeText),
  };
}

/** The readable lines alone (`sync diff` between any two commits). */
export function readableChanges(before: JsonValue, after: JsonValue, kind: DocumentKind): string[] {
  return structuralChanges(before, after, idFieldsOf(kind)).map(changeText);
}

/**
 * Added, removed and changed, counted at leaves (a number, a text, a boolean, null or an empty
 * list or object): an edited field counts once, an added item once per field it holds, an item
 * that changed type (a number become a list) once, a reorder once.
 */
export function statsOf(changes: readonly StructuralChange[]): CommitStats {
  const stats: CommitStats = { added: 0, removed: 0, changed: 0 };
  for (const change of changes) {
    if (change.kind === 'added') stats.added += leafCount(change.after);
    else if (change.kind === 'removed') stats.removed += leafCount(change.before);
    else stats.changed += 1;
  }
  return stats;
}

export function changeText(change: StructuralChange): string {
  const path = pathText(change.path);
  switch (change.kind) {
    case 'changed':
      return `${path}: ${shown(change.before)} -> ${shown(change.after)}`;
    case 'added':
      return isContainer(change.after) ? `${path}: added` : `${path}: added ${shown(change.after)}`;
    case 'removed':
      return isContainer(change.before) ? `${path}: removed` : `${path}: removed (was ${shown(change.before)})`;
    case 'reordered':
      return `${path}: order changed (${listed(change.before)} -> ${listed(change.after)})`;
  }
}

const MAX_SHOWN = 80;

/** A value as compact JSON, cut at MAX_SHOWN characters. */
function shown(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function listed(ids: string[]): string {
  const text = ids.join(', ');
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function isContainer(value: JsonValue): boolean {
  return value !== null && typeof value === 'object';
}

function leafCount(value: JsonValue): number {
  if (value === null || typeof value !== 'object') return 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.length === 0 ? 1 : children.reduce<number>((sum, child) => sum + leafCount(child), 0);
}
