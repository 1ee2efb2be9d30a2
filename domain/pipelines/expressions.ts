// `${{ ... }}` in pipeline files: the few expressions arxflow knows (github.*, secrets.*, hashFiles()).
// Not GitHub's expression language: no operators, no functions but hashFiles, so what a run does stays
// readable from the file and a typo is refused when the file is loaded, not when the step runs.
import { InputError } from '../validation';
import type { PipelineTrigger } from './pipeline-types';

/** The `github.*` fields a pipeline may use (GitHub's names); absent ones (base_ref on a push) expand to ''. */
export const GITHUB_FIELDS = [
  'sha',
  'ref',
  'ref_name',
  'event_name',
  'repository',
  'actor',
  'base_ref',
  'head_ref',
  'run_attempt',
  'run_id',
] as const;

export type Expression =
  { kind: 'github'; field: string } | { kind: 'secret'; name: string } | { kind: 'hashFiles'; patterns: string[] };

/** One `${{ ... }}` occurrence: where it is in the text and what it says (undefined: not understood). */
export interface ExpressionUse {
  source: string;
  start: number;
  end: number;
  expression: Expression | undefined;
}

const OPEN = '${{';
const CLOSE = '}}';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every `${{ ... }}` of `text` in order; an opening without its `}}` throws (the text is cut short). */
export function expressionUses(text: string): ExpressionUse[] {
  const uses: ExpressionUse[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(OPEN, from);
    if (start < 0) return uses;
    const close = text.indexOf(CLOSE, start + OPEN.length);
    if (close < 0) throw new InputError(`"${OPEN}" without its closing "${CLOSE}"`);
    const end = close + CLOSE.length;
    const body = text.slice(start + OPEN.length, close).trim();
    uses.push({ source: text.slice(start, end), start, end, expression: expressionOf(body) });
    from = end;
  }
}

function expressionOf(body: string): Expression | undefined {
  const dotted = /^(github|secrets)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (dotted) {
    const [, scope, name = ''] = dotted;
    if (scope === 'secrets') return { kind: 'secret', name };
    return (GITHUB_FIELDS as readonly string[]).includes(name) ? { kind: 'github', field: name } : undefined;
  }
  const call = /^hashFiles\s*\((.*)\)$/s.exec(body);
  if (!call) return undefined;
  const patterns = quotedList(call[1] ?? '');
  return patterns && patterns.length > 0 ? { kind: 'hashFiles', patterns } : undefined;
}

/** `'a', "b"` as ['a', 'b']; undefined when it is not a comma-separated list of quoted strings. */
function quotedList(text: string): string[] | undefined {
  const items: string[] = [];
  const item = /\s*(?:'([^']*)'|"([^"]*)")\s*(,|$)/y;
  let at = 0;
  while (at < text.length) {
    item.lastIndex = at;
    const found = item.exec(text);
    if (!found) return undefined;
    items.push(found[1] ?? found[2] ?? '');
    at = item.lastIndex;
    if (found[3] === '') break;
  }
  return at >= text.length ? items : undefined;
}

/** Where an expression is written, and so which kinds it may hold. */
export interface ExpressionPlace {
  secrets?: boolean;
  hashFiles?: boolean;
}

/** Why `text` may not be written where `place` says, in words, or undefined when every expression is fine. */
export function expressionRefusal(text: string, place: ExpressionPlace): string | undefined {
  let uses: ExpressionUse[];
  try {
    uses = expressionUses(text);
  } catch (error) {
    return (error as Error).message;
  }
  for (const use of uses) {
    const expression = use.expression;
    if (!expression) {
      return `unknown expression ${use.source} (known: github.<${GITHUB_FIELDS.join('|')}>, secrets.<NAME>, hashFiles('glob') in cache keys)`;
    }
    if (expression.kind === 'secret' && !place.secrets) {
      return (
        `${use.source}: secrets may only be used in env values (the step reads them as environment ` +
        `variables, masked in its log); written here the value would be kept in the workflow history`
      );
    }
    if (expression.kind === 'hashFiles' && !place.hashFiles)
      return `${use.source}: hashFiles() only works in cache.key`;
  }
  return undefined;
}

/**
 * `text` with `${{ github.X }}` and `${{ secrets.X }}` replaced. A secret that is not in `secrets`
 * (or any secret when `secrets` is not given) throws an InputError naming it: a step must not run with
 * an empty password by mistake. hashFiles() belongs to renderCacheKey and throws here.
 */
export function expandExpressions(
  text: string,
  context: { github: Record<string, string>; secrets?: Record<string, string | undefined> },
): string {
  let out = '';
  let at = 0;
  for (const use of expressionUses(text)) {
    out += text.slice(at, use.start) + valueOf(use, context);
    at = use.end;
  }
  return out + text.slice(at);
}

function valueOf(
  use: ExpressionUse,
  context: { github: Record<string, string>; secrets?: Record<string, string | undefined> },
): string {
  const expression = use.expression;
  if (expression?.kind === 'github') return context.github[expression.field] ?? '';
  if (expression?.kind === 'secret') {
    const value = context.secrets?.[expression.name];
    if (value === undefined) throw new InputError(`secret ${expression.name} is not set in the worker's environment`);
    return value;
  }
  throw new InputError(`${use.source} cannot be expanded here`);
}

/** The names of the secrets `text` uses (each once, in order of first use). */
export function secretNamesIn(text: string): string[] {
  const names = expressionUses(text).flatMap((use) => (use.expression?.kind === 'secret' ? [use.expression.name] : []));
  return [...new Set(names)];
}

/** True when `name` can be a secret's name (an environment variable name). */
export function isSecretName(name: string): boolean {
  return NAME.test(name);
}

/**
 * The `github` context of a run: GitHub's field names, so a file written for Actions reads the same.
 * `run_attempt` and `run_id` come from the run, not the trigger.
 */
export function githubContextOf(
  trigger: PipelineTrigger,
  run: { attempt?: number; runId?: string } = {},
): Record<string, string> {
  const context: Record<string, string> = {
    sha: trigger.sha,
    ref: trigger.ref,
    ref_name: refNameOf(trigger),
    event_name: trigger.event,
    repository: trigger.githubRepo ?? trigger.repoKey,
    actor: trigger.actor,
    base_ref: trigger.event === 'pull_request' ? (trigger.base?.branch ?? '') : '',
    head_ref: trigger.event === 'pull_request' ? (trigger.branch ?? '') : '',
  };
  if (run.attempt !== undefined) context.run_attempt = String(run.attempt);
  if (run.runId !== undefined) context.run_id = run.runId;
  return context;
}

/** GitHub's ref_name: the branch or tag name; a pull request's `<number>/merge`. */
function refNameOf(trigger: PipelineTrigger): string {
  if (trigger.event === 'pull_request' && trigger.pullRequest) return `${trigger.pullRequest.number}/merge`;
  if (trigger.branch) return trigger.branch;
  return trigger.ref.replace(/^refs\/(heads|tags)\//, '');
}
