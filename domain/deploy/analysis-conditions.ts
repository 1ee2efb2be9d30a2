/**
 * Analysis thresholds (`successCondition: result < 0.05`, `result >= 0.9 && result <= 1`):
 * comparisons of `result` and numbers joined by `&&` and `||`, with parentheses. Parsed
 * here by a small recursive-descent parser into plain data, never evaluated as code, so a
 * config file cannot run anything and the workflow sandbox can evaluate it.
 *
 *   or     := and ('||' and)*
 *   and    := atom ('&&' atom)*
 *   atom   := '(' or ')' | operand op operand
 *   op     := < <= > >= == !=
 *   operand:= 'result' | number
 */

export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';
type Operand = { kind: 'result' } | { kind: 'number'; value: number };
export type Condition =
  { kind: 'compare'; op: Comparison; left: Operand; right: Operand } | { kind: 'and' | 'or'; parts: Condition[] };

type Token = { text: string; at: number };

const TOKEN = /\s*(result|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|<=|>=|==|!=|<|>|&&|\|\||\(|\))/y;
const COMPARISONS: readonly string[] = ['<', '<=', '>', '>=', '==', '!='];

class ConditionSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) {
      const from = at + text.slice(at).search(/\S/);
      throw new ConditionSyntaxError(`unexpected "${text.slice(from, from + 20).trimEnd()}" at ${from + 1}`);
    }
    tokens.push({ text: match[1]!, at: match.index + match[0].length - match[1]!.length });
    at = TOKEN.lastIndex;
  }
  return tokens;
}

function parseTokens(tokens: Token[]): Condition {
  let next = 0;
  const peek = () => tokens[next]?.text;
  const describe = () => (next < tokens.length ? `"${tokens[next]!.text}" at ${tokens[next]!.at + 1}` : 'the end');
  const expect = (what: string): never => {
    throw new ConditionSyntaxError(`expected ${what}, found ${describe()}`);
  };
  const operand = (): Operand => {
    const text = peek();
    if (text === 'result') {
      next++;
      return { kind: 'result' };
    }
    if (text !== undefined && /^[-.\d]/.test(text)) {
      next++;
      return { kind: 'number', value: Number(text) };
    }
    return expect('result or a number');
  };
  const atom = (): Condition => {
    if (peek() === '(') {
      next++;
      const inner = or();
      if (peek() !== ')') expect('")"');
      next++;
      return inner;
    }
    const left = operand();
    const op = peek();
    if (op === undefined || !COMPARISONS.includes(op)) return expect('a comparison (< <= > >= == !=)');
    next++;
    const right = operand();
    if (left.kind !== 'result' && right.kind !== 'result')
      throw new ConditionSyntaxError('each comparison must involve result');
    return { kind: 'compare', op: op as Comparison, left, right };
  };
  const joined = (kind: 'and' | 'or', symbol: string, part: () => Condition) => (): Condition => {
    const parts = [part()];
    while (peek() === symbol) {
      next++;
      parts.push(part());
    }
    return parts.length === 1 ? parts[0]! : { kind, parts };
  };
  const and = joined('and', '&&', atom);
  const or: () => Condition = joined('or', '||', and);
  const condition = or();
  if (next < tokens.length) expect('&&, || or the end');
  return condition;
}

/** The condition as data, or why it is not one. */
export function parseCondition(text: string): { condition: Condition } | { problem: string } {
  try {
    const tokens = tokenize(text);
    if (tokens.length === 0) return { problem: 'must not be empty: a condition such as "result < 0.05"' };
    return { condition: parseTokens(tokens) };
  } catch (err) {
    if (err instanceof ConditionSyntaxError)
      return { problem: `"${text}" is not a condition such as "result < 0.05" (${err.message})` };
    throw err;
  }
}

/** Why `text` is not a condition, or undefined (the config check). */
export function conditionProblem(text: string): string | undefined {
  const parsed = parseCondition(text);
  return 'problem' in parsed ? parsed.problem : undefined;
}

function compare(op: Comparison, left: number, right: number): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
  }
}

/** Whether the condition holds for `result`. */
export function evaluateCondition(condition: Condition, result: number): boolean {
  if (condition.kind !== 'compare')
    return condition.kind === 'and'
      ? condition.parts.every((part) => evaluateCondition(part, result))
      : condition.parts.some((part) => evaluateCondition(part, result));
  const value = (operand: Operand) => (operand.kind === 'result' ? result : operand.value);
  return compare(condition.op, value(condition.left), value(condition.right));
}
