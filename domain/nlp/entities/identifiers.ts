import type { Found } from './money';

/**
 * The identifiers whose case or punctuation matters, read from the text as written (before it
 * is folded to lower case): repositories, refs, plan, document and project ids, versions,
 * commits and alert ids. Each returns where it was so the engine can blank it.
 */

function found<T>(value: T, match: RegExpExecArray, group = 0): Found<T> {
  const offset = group === 0 ? 0 : match[0]!.indexOf(match[group]!);
  return { value, index: match.index + offset, length: match[group]!.length };
}

/** `owner/name` (not a fraction, not a date). */
export function findRepo(text: string): Found<string> | undefined {
  const match = /(?<![\w./-])([A-Za-z0-9_.-]*[A-Za-z][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]*[A-Za-z0-9_])(?![\w/])/.exec(text);
  return match ? found(match[1]!, match, 1) : undefined;
}

const REF_NAME = '([A-Za-z0-9_][A-Za-z0-9._/-]*[A-Za-z0-9_]|[A-Za-z0-9_])';
const NOT_REFS = new Set([
  'it',
  'the',
  'la',
  'el',
  'please',
  'pls',
  'now',
  'ahora',
  'pipeline',
  'ci',
  'status',
  'estado',
]);

/**
 * A branch, as written: "branch X", "rama X", "ref X" anywhere; "on X", "@X", "en X" right after
 * the repo; else "on X" / "en X" elsewhere in a sentence that names a repo ("did acme/web pass on main").
 */
export function findRef(text: string, repo?: Found<string>): Found<string> | undefined {
  const named = new RegExp(`\\b(?:branch|rama|ref)\\s+${REF_NAME}`, 'i').exec(text);
  if (named && !NOT_REFS.has(named[1]!.toLowerCase())) return found(named[1]!, named, 1);
  if (!repo) return undefined;
  const end = repo.index + repo.length;
  const adjacent = new RegExp(`^(?:\\s*[@#:]\\s*|\\s+(?:on|at|en|de|in)\\s+(?:(?:the|la|el)\\s+)?)${REF_NAME}`, 'i');
  const next = adjacent.exec(text.slice(end));
  if (next && !NOT_REFS.has(next[1]!.toLowerCase())) {
    return { value: next[1]!, index: end + next[0]!.length - next[1]!.length, length: next[1]!.length };
  }
  // One or two spaces: the engine blanks the repo itself, and "on" before a blank is not a ref.
  const anywhere = new RegExp(`\\b(?:on|en)\\s{1,2}(?:(?:the|la|el)\\s{1,2})?${REF_NAME}(?![\\w/.-])`, 'gi');
  for (let match = anywhere.exec(text); match; match = anywhere.exec(text)) {
    const value = match[1]!;
    if (!NOT_REFS.has(value.toLowerCase()) && value !== repo.value) return found(value, match, 1);
  }
  return undefined;
}

/** PLAN-12 / "plan 12" -> PLAN-12. */
export function findPlanId(text: string): Found<string> | undefined {
  const match =
    /\bplan-([a-z0-9]+(?:-[a-z0-9]+)*)\b/i.exec(text) ??
    /\bplan[_ ]#?([a-z0-9]*\d[a-z0-9]*(?:-[a-z0-9]+)*)\b/i.exec(text);
  return match ? found(`PLAN-${match[1]!.toUpperCase()}`, match) : undefined;
}

/** DOC-4 / "doc 4" / "document 4" / "documento 4" -> DOC-4. */
export function findDocumentId(text: string): Found<string> | undefined {
  const match =
    /\bdoc-([a-z0-9]+(?:-[a-z0-9]+)*)\b/i.exec(text) ??
    /\b(?:doc|document|documento)[_ ]#?([a-z0-9]*\d[a-z0-9]*(?:-[a-z0-9]+)*)\b/i.exec(text);
  return match ? found(`DOC-${match[1]!.toUpperCase()}`, match) : undefined;
}

/** Prefixes that look like project ids but name other things. */
const NOT_PROJECTS = new Set(['PLAN', 'DOC', 'ALERT', 'ALR', 'INC', 'SEV', 'P', 'V', 'M', 'HITO', 'MILESTONE']);

/**
 * PROJ-7 (any case in the text, upper case in args). A lower-case "web-1" is a service, so a
 * lower-case prefix counts only when it reads like a project ("proj-7", "prj-7") or follows "project".
 */
export function findProjectId(text: string): Found<string> | undefined {
  const pattern = /(?<![\w/.-])([A-Za-z][A-Za-z0-9]*)-(\d+)(?![\w/.-])/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const prefix = match[1]!;
    if (NOT_PROJECTS.has(prefix.toUpperCase())) continue;
    const upper = prefix === prefix.toUpperCase();
    const named = /^pro?j/i.test(prefix) || /\b(?:project|proyecto|obra)\s+$/i.test(text.slice(0, match.index));
    if (upper || named) return found(`${prefix.toUpperCase()}-${match[2]!}`, match);
  }
  return undefined;
}

/** 1.4.2 from "v1.4.2", "1.4.2", "version 2", "v2" (no leading v in args). */
export function findVersion(text: string): Found<string> | undefined {
  const dotted = /(?<![\w.])v?(\d+(?:\.\d+){1,3}(?:-[0-9A-Za-z.]*[0-9A-Za-z])?)(?![\w.])/i.exec(text);
  if (dotted) return found(dotted[1]!, dotted);
  const named = /(?:\bv|\b(?:version|versi[oó]n)\s+v?)(\d+)\b/i.exec(text);
  return named ? found(named[1]!, named) : undefined;
}

/** A commit as a lower-case hex prefix of 7+ characters: it has a digit, or follows "commit"/"sha". */
export function findCommitId(text: string): Found<string> | undefined {
  const pattern = /(?<![\w-])([0-9a-f]{7,64})(?![\w-])/gi;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const named = /\b(?:commit|sha|rev|revision|revisi[oó]n|to|al|at)\s+$/i.test(text.slice(0, match.index));
    if (/\d/.test(match[1]!) || named) return found(match[1]!.toLowerCase(), match);
  }
  return undefined;
}

/** An alert id as written: "ALERT-42", "alert #42", "alerta 42" (it has a digit; "alert checkout" is a service). */
export function findAlertId(text: string): Found<string> | undefined {
  const prefixed = /(?<![\w/.-])((?:alert|alr|inc)-[A-Za-z0-9][A-Za-z0-9_.:-]*)(?![\w/])/i.exec(text);
  if (prefixed) return found(prefixed[1]!, prefixed, 1);
  const named =
    /\b(?:alert|alerta|incident|incidente)\s+(?:id\s+)?#?([A-Za-z0-9][A-Za-z0-9_.:-]*\d[A-Za-z0-9_.:-]*)(?![\w.:-])/i.exec(
      text,
    );
  return named && !/^\d+(\.\d+)+$/.test(named[1]!) ? found(named[1]!, named, 1) : undefined;
}
