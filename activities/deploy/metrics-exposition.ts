/**
 * The Prometheus text exposition format (what `/metrics` answers), as far as the http analysis
 * provider needs it: samples with their labels, and counter selectors over them. npm's one
 * parser for it (parse-prometheus-text-format) has not been released since 2019, and the
 * format's sample lines are small enough to read here.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** `name{label="value",...} value [timestamp]`; comments and blank lines skipped. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseSampleLine(line: string): Sample | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  let at = name.length;
  let labels: Record<string, string> = {};
  if (line[at] === '{') {
    const parsed = parseLabels(line, at + 1);
    if (!parsed) return undefined;
    labels = parsed.labels;
    at = parsed.end;
  }
  const [valueText] = line.slice(at).trim().split(/\s+/);
  if (valueText === undefined) return undefined;
  const value = parseValue(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

/** Label pairs from `at` (just past `{`) to the closing `}`; values with \\ \" \n escapes. */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = at;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
    if (!key) return undefined;
    i += key.length;
    while (line[i] === ' ') i++;
    if (line[i] !== '=' || line[i + 1] !== '"') return undefined;
    i += 2;
    let value = '';
    for (; i < line.length && line[i] !== '"'; i++) {
      if (line[i] === '\\') {
        i++;
        value += line[i] === 'n' ? '\n' : (line[i] ?? '');
      } else value += line[i];
    }
    if (line[i] !== '"') return undefined;
    i++;
    labels[key] = value;
  }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

// ------------------------------------------------------------------------- selectors

type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };
export interface Selector {
  name: string;
  matchers: Matcher[];
}

/** `http_requests_total{code=~"5..",route="/"}`: a metric name and label matchers, PromQL style (regexes anchored). */
export function parseSelector(text: string): Selector {
  const trimmed = text.trim();
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?$/s.exec(trimmed);
  if (!match) throw new Error(`"${text}" is not a counter selector such as name{label="value"}`);
  const matchers: Matcher[] = [];
  const body = match[2] ?? '';
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < body.length) {
    pair.lastIndex = at;
    const m = pair.exec(body);
    if (!m) throw new Error(`"${text}": cannot read the label matchers at "${body.slice(at)}"`);
    matchers.push({ label: m[1]!, op: m[2] as Matcher['op'], value: m[3]!.replace(/\\(.)/g, '$1') });
    at = pair.lastIndex;
  }
  return { name: match[1]!, matchers };
}

/** The sum over every sample the selector matches (a counter over all its series); undefined when none does. */
export function selectSum(samples: Sample[], selector: Selector): number | undefined {
  let sum: number | undefined;
  for (const sample of samples) {
    if (sample.name !== selector.name) continue;
    if (!selector.matchers.every((m) => matches(m, sample.labels[m.label] ?? ''))) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

function matches(m: Matcher, actual: string): boolean {
  switch (m.op) {
    case '=':
      return actual === m.value;
    case '!=':
      return actual !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(actual);
  }
}

/**
 * An http analysis expression: a counter selector (its increase) or `ratio(a, b)` (the
 * increase of a over the increase of b). Returns the selectors it reads.
 */
export function parseHttpExpression(
  text: string,
): { kind: 'increase'; of: string } | { kind: 'ratio'; of: [string, string] } {
  const ratio = /^\s*ratio\s*\((.*)\)\s*$/s.exec(text);
  if (!ratio) {
    parseSelector(text);
    return { kind: 'increase', of: text.trim() };
  }
  const args = splitTopLevel(ratio[1]!);
  if (args.length !== 2) throw new Error(`"${text}": ratio takes two selectors`);
  const [a, b] = args.map((arg) => arg.trim()) as [string, string];
  parseSelector(a);
  parseSelector(b);
  return { kind: 'ratio', of: [a, b] };
}

/** Splits on commas outside braces and quotes (label matchers have commas of their own). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
