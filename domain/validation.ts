import type { z } from 'zod';

/** A boundary refused its input; the message names every offending field. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Parses `input` with `schema`, or throws an InputError naming each field (`what` prefixes the message). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw inputErrorOf(result.error.issues, what);
}

export interface FieldIssue {
  /** Dotted path of the field (`lines.0.amount`), or `root` (default `(root)`) for the whole value. */
  path: string;
  message: string;
}

/** zod's issues as field paths and messages; `prefix` is prepended to every path (`plan.`). */
export function fieldIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[],
  options: { prefix?: string; root?: string } = {},
): FieldIssue[] {
  const root = options.root ?? '(root)';
  const prefix = options.prefix ?? '';
  const named = (path: readonly PropertyKey[], message: string): FieldIssue => {
    const dotted = path.map(String).join('.');
    return { path: dotted ? `${prefix}${dotted}` : prefix.replace(/\.$/, '') || root, message };
  };
  // zod reports unknown keys once for their object: each is named as the field it is (a
  // schema's own message for them, such as "must be one of ...", is kept as it is).
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys?.length && issue.message.startsWith('Unrecognized key')
      ? issue.keys.map((key) => named([...issue.path, key], 'unknown field'))
      : [named(issue.path, issue.message)],
  );
}

/** Field issues as one line for users: `lines.0.amount: must be positive; payeeId: required`. */
export function issuesText(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/**
 * Why `request` does not have the shape `schema` describes, as one line naming each field
 * (`reason: Required; level: must be a number`), or undefined when it has: the start of every
 * state class's `refusalOfX` for a message. `what` prefixes the paths (`evidence.name`).
 */
export function shapeRefusal(schema: z.ZodType, request: unknown, what?: string): string | undefined {
  const parsed = schema.safeParse(request);
  return parsed.success ? undefined : issuesRefusal(parsed.error, what);
}

/** A refused message's zod issues as its refusal (shapeRefusal, where the parsed value is needed too). */
export function issuesRefusal(error: { issues: z.core.$ZodIssue[] }, what?: string): string {
  return issuesText(fieldIssues(error.issues, what ? { prefix: `${what}.` } : { root: 'request' }));
}

/** The one way a refused input becomes an error: `what: field: message; ...`, the issues kept for 4xx bodies. */
export function inputErrorOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  what: string,
): InputError {
  const fields = fieldIssues(issues);
  return new InputError(`${what}: ${issuesText(fields)}`, fields);
}

/**
 * A superRefine step for request bodies with fields the server decides: every key not in
 * `known` is an issue naming the key, with the reason from `reasons` (else "unknown field"),
 * e.g. `requestedBy: the requester is the authenticated caller: not accepted in a draw request`.
 */
export function refuseUnknownKeys(
  known: readonly string[],
  reasons: Readonly<Record<string, string>>,
  inWhat: string,
): (body: Record<string, unknown>, ctx: z.RefinementCtx) => void {
  return (body, ctx) => {
    for (const key of Object.keys(body)) {
      if (known.includes(key)) continue;
      const reason = Object.hasOwn(reasons, key) ? reasons[key] : 'unknown field';
      ctx.addIssue({ code: 'custom', path: [key], message: `${reason}: not accepted in ${inWhat}` });
    }
  };
}
