import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { InputError, issuesText, parseInput } from '../validation';
import { yamlTextRefusal } from '../yaml-limits';

/**
 * Parses YAML text with a zod schema; an InputError names each bad field by its path and
 * the line it is on (`policies.0.levels.1.escalateAfter (line 12): ...`), so an operator
 * editing a config file finds the spot. Boundary code only (config loading).
 */
export function parseYamlInput<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  const tooDeep = yamlTextRefusal(text);
  if (tooDeep) throw new InputError(`${what}: not valid YAML: ${tooDeep}`, [{ path: '(yaml)', message: tooDeep }]);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      path: '(yaml)',
      message: error.message.split('\n')[0] ?? error.message,
    }));
    throw new InputError(`${what}: not valid YAML: ${issues.map((i) => i.message).join('; ')}`, issues);
  }
  let value: unknown;
  try {
    value = document.toJS() ?? {};
  } catch (err) {
    // An alias bomb (yaml's "Excessive alias count") is a bad file, not a crash.
    const message = (err as Error).message;
    throw new InputError(`${what}: not valid YAML: ${message}`, [{ path: '(yaml)', message }]);
  }
  try {
    return parseInput(schema, value, what);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const issues = err.issues.map((issue) => {
      const line = lineOf(document.contents, issue.path, lineCounter);
      return line === undefined ? issue : { path: issue.path, message: `${issue.message} (line ${line})` };
    });
    throw new InputError(`${what}: ${issuesText(issues)}`, issues);
  }
}

/** The line of the deepest node along a dot path that exists (a missing key points at its parent). */
function lineOf(root: Node | null | undefined, path: string, lineCounter: LineCounter): number | undefined {
  let node: unknown = root;
  let found = root ?? undefined;
  for (const segment of path === '(root)' ? [] : path.split('.')) {
    if (isMap(node)) node = node.get(segment, true);
    else if (isSeq(node)) node = node.get(Number(segment), true);
    else break;
    if (node && typeof node === 'object' && 'range' in node) found = node as Node;
    else break;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
