// YAML read with its positions kept, so a refusal names `<file>:<line>:<col>` and the field's path.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError } from '../validation';
import { yamlTextRefusal } from '../yaml-limits';

export type FieldPath = readonly (string | number)[];

/** One refused field: where it is in the file and why. */
export interface SourceIssue {
  path: FieldPath;
  message: string;
  /** Point at the key itself (an unknown field) rather than its value. */
  atKey?: boolean;
}

export interface YamlSource {
  fileName: string;
  /** The document as plain data (null when empty). */
  value: unknown;
  /** `<file>:<line>:<col>` of the deepest node along `path` that exists. */
  locate(path: FieldPath, atKey?: boolean): string;
}

/** Parses `text`; not valid YAML (a tab, an unclosed quote, a duplicate key) throws naming the spot. */
export function readYamlSource(text: string, fileName: string): YamlSource {
  const tooDeep = yamlTextRefusal(text);
  if (tooDeep) throw new InputError(`${fileName}: not valid YAML: ${tooDeep}`, [{ path: '(yaml)', message: tooDeep }]);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const [error] = document.errors;
  if (error) {
    const firstLine = error.message.split('\n')[0] ?? error.message;
    const message = `${position(error.pos[0])}: not valid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`;
    throw new InputError(message, [{ path: '(yaml)', message }]);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 }) ?? null;
  } catch (err) {
    // An alias bomb (yaml's "Excessive alias count") is a bad file, not a crash.
    const message = `${fileName}: not valid YAML: ${(err as Error).message}`;
    throw new InputError(message, [{ path: '(yaml)', message }]);
  }
  return {
    fileName,
    value,
    locate: (path, atKey) => position(offsetOf(document, path, atKey)),
  };
}

/** `jobs.test.needs[0]`: how a refusal names a field (GitHub's and jq's spelling). */
export function pathText(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** Refusals as one InputError: a line per issue, `<file>:<line>:<col>: <field>: <why>`, in file order. */
export function sourceError(source: YamlSource, issues: readonly SourceIssue[]): InputError {
  // One refusal per field: the first says enough (an unknown `__proto__` key is refused twice otherwise).
  const firstPerField = [
    ...new Map([...issues].reverse().map((issue) => [pathText(issue.path), issue] as const)).values(),
  ];
  const located = firstPerField.map((issue) => {
    const where = source.locate(issue.path, issue.atKey);
    const field = pathText(issue.path);
    return {
      where,
      field,
      message: issue.message,
      line: `${where}: ${field === '' ? '' : `${field}: `}${issue.message}`,
    };
  });
  located.sort((a, b) => compareWhere(a.where, b.where));
  return new InputError(
    located.map((issue) => issue.line).join('\n'),
    located.map((issue) => ({ path: issue.field || '(root)', message: `${issue.where}: ${issue.message}` })),
  );
}

function compareWhere(a: string, b: string): number {
  const numbers = (where: string): number[] => where.split(':').slice(-2).map(Number);
  const [lineA = 0, colA = 0] = numbers(a);
  const [lineB = 0, colB = 0] = numbers(b);
  return lineA - lineB || colA - colB;
}

/** Offset of the deepest existing node along `path` (its key when `atKey` and the whole path exists). */
function offsetOf(document: Document, path: FieldPath, atKey?: boolean): number {
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      keyNode = pair?.key;
      next = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    } else break;
    const last = index === path.length - 1;
    if (last && atKey && keyNode) return rangeStart(keyNode) ?? offset;
    const start = rangeStart(next) ?? rangeStart(keyNode);
    if (start === undefined) break;
    offset = start;
    node = next;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}
