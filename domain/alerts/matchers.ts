/**
 * Label matchers as Alertmanager writes them (`severity="critical"`, `team!="web"`,
 * `job=~"node|db"`, `env!~"dev.*"`), used by silences, escalation policies and metric
 * rule tag filters. Semantics follow Alertmanager: a missing label reads as the empty
 * string, and regular expressions are anchored at both ends.
 *
 * No zod: silences and policies are evaluated inside workflows. Regular expressions are
 * JavaScript's, not Go's RE2; the common syntax (alternation, classes, repeats) is the same.
 */

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type Labels = Readonly<Record<string, string>>;

export const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Long patterns are where catastrophic backtracking hides; real matchers are short. */
export const MAX_MATCHER_VALUE = 1024;

export class MatcherSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherSyntaxError';
  }
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** Parses one matcher such as `team=~"infra|db"`; the value may be quoted (with \" \\ \n escapes) or bare. */
export function parseMatcher(text: string): LabelMatcher {
  const match = MATCHER.exec(text);
  if (!match)
    throw new MatcherSyntaxError(`"${text}" is not a matcher such as severity="critical" (operators =, !=, =~, !~)`);
  const [, name = '', op = '=', raw = ''] = match;
  const matcher = { name, op: op as MatchOp, value: unquote(raw, text) };
  const problem = matcherProblem(matcher);
  if (problem) throw new MatcherSyntaxError(`"${text}": ${problem}`);
  return matcher;
}

/** Parses `{a="b", c=~"d"}` or `a="b", c=~"d"`: commas inside quotes do not split. */
export function parseMatcherList(text: string): LabelMatcher[] {
  const inner = text.trim().replace(/^\{([\s\S]*)\}$/, '$1');
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]!;
    if (char === '\\' && quoted) {
      current += char + (inner[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.filter((part) => part.trim() !== '').map(parseMatcher);
}

function unquote(raw: string, text: string): string {
  if (!raw.startsWith('"')) {
    if (/["\s,{}]/.test(raw))
      throw new MatcherSyntaxError(`"${text}": quote a value with spaces, commas, braces or quotes`);
    return raw;
  }
  if (raw.length < 2 || !raw.endsWith('"')) {
    throw new MatcherSyntaxError(`"${text}": unterminated quoted value`);
  }
  let value = '';
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === '"') throw new MatcherSyntaxError(`"${text}": escape a quote inside the value as \\"`);
    if (char !== '\\') {
      value += char;
      continue;
    }
    const next = body[++i];
    if (next === undefined) throw new MatcherSyntaxError(`"${text}": unterminated quoted value`);
    if (next === 'n') value += '\n';
    else if (next === '"' || next === '\\') value += next;
    else throw new MatcherSyntaxError(`"${text}": unknown escape \\${next}`);
  }
  return value;
}

/** Why a matcher object cannot be used, or undefined: a hand-written check for matchers arriving in workflow messages. */
export function matcherProblem(matcher: unknown): string | undefined {
  if (typeof matcher !== 'object' || matcher === null) return 'a matcher must be an object {name, op, value}';
  const { name, op, value } = matcher as Partial<Record<keyof LabelMatcher, unknown>>;
  if (typeof name !== 'string' || !LABEL_NAME.test(name))
    return 'the label name must be letters, digits and _ (not starting with a digit)';
  if (typeof op !== 'string' || !(MATCH_OPS as readonly string[]).includes(op))
    return `the operator must be one of ${MATCH_OPS.join(' ')}`;
  if (typeof value !== 'string') return 'the value must be a string';
  if (value.length > MAX_MATCHER_VALUE) return `the value is longer than ${MAX_MATCHER_VALUE} characters`;
  if (op === '=~' || op === '!~') {
    try {
      compile(value);
    } catch (err) {
      return `invalid regular expression: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** Alertmanager's API v2 shape of a matcher (silences, amtool). */
export function matcherFromApi(api: {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}): LabelMatcher {
  const equal = api.isEqual ?? true;
  return { name: api.name, value: api.value, op: api.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=' };
}

export function formatMatcher(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.op}${JSON.stringify(matcher.value)}`;
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 's');
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

export function matches(matcher: LabelMatcher, labels: Labels): boolean {
  const actual = Object.hasOwn(labels, matcher.name) ? (labels[matcher.name] ?? '') : '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return compile(matcher.value).test(actual);
    case '!~':
      return !compile(matcher.value).test(actual);
  }
}

/** Every matcher matches (an empty list matches everything). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matches(matcher, labels));
}

/** Alertmanager refuses silences whose matchers all match the empty label set: they would silence everything. */
export function matchesEverything(matchers: readonly LabelMatcher[]): boolean {
  return matchesAll(matchers, {});
}
