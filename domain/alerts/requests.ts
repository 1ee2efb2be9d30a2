import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { isRecord } from '../plain-data';

/**
 * What every operator message to an alert or incident workflow carries. Each message has one
 * zod schema (here and beside its state class): the gateway and the CLI parse a body with it
 * minus `actor` and `roles` (`withoutIdentity`), and the workflow's Update validator and
 * Signal handler with all of it. `actor` and `roles` come from the caller's credentials
 * (gateway token, CLI, verified Slack user), never from a request body.
 */

/** Roles that may act on alerts and incidents. `responder` is what the gateway grants a verified Slack user. */
export const RESPONDER_ROLES = ['responder', 'operator', 'admin'] as const;
/** Moving an alert to other people is an operator's call. */
export const REASSIGN_ROLES = ['operator', 'admin'] as const;

export const MAX_ACTOR = 200;
export const MAX_NOTE = 2000;

const notBlank = (text: string) => text.trim() !== '';

/** The caller's identity: the fields a body never carries. */
export const identityFields = () => ({
  actor: z
    .string({ error: `must be 1 to ${MAX_ACTOR} characters` })
    .max(MAX_ACTOR, `must be 1 to ${MAX_ACTOR} characters`)
    .refine(notBlank, `must be 1 to ${MAX_ACTOR} characters`),
  roles: z
    .array(z.string(), { error: 'must be a list of role names' })
    .max(20, 'must be a list of role names')
    .readonly(),
});

export const noteSchema = lazySchema(() =>
  z
    .string({ error: `must be text of at most ${MAX_NOTE} characters` })
    .max(MAX_NOTE, `must be text of at most ${MAX_NOTE} characters`),
);

/** An operator message's schema: an object of exactly these fields (identity included). */
export function messageSchema<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'must be an object with actor and roles' : undefined),
  });
}

/** acknowledge, resolve (alerts) and completeReview (incident reviews): who, and an optional note. */
export const actorRequestSchema = lazySchema(() => messageSchema({ ...identityFields(), note: noteSchema.optional() }));
export type ActorRequest = z.infer<typeof actorRequestSchema>;

/** A message's body as the gateway and CLI accept it: the schema without the identity the server adds. */
export function withoutIdentity<T extends z.ZodObject>(schema: T) {
  return schema.omit({ actor: true, roles: true } as never).strict();
}

/**
 * The shape check of runs begun before the workflow kit, kept exactly (it is the code at
 * ab7e41f): unknown keys were ignored, and only these fields were looked at. Signal handlers
 * run again on replay, so such a run must accept and refuse the same Signals as when it
 * began; the state classes' `refusal…BeforeKit` use it, nothing else.
 */
export function actorRequestProblemBeforeKit(request: unknown): string | undefined {
  if (!isRecord(request)) return 'request: must be an object with actor and roles';
  const { actor, roles, note } = request;
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > MAX_ACTOR)
    return `actor: must be 1 to ${MAX_ACTOR} characters`;
  if (!Array.isArray(roles) || roles.length > 20 || roles.some((role) => typeof role !== 'string'))
    return 'roles: must be a list of role names';
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE))
    return `note: must be text of at most ${MAX_NOTE} characters`;
  return undefined;
}

export function hasRole(granted: readonly string[], allowed: readonly string[]): boolean {
  return granted.includes('admin') || granted.some((role) => allowed.includes(role));
}

export function roleRefusal(what: string, request: ActorRequest, allowed: readonly string[]): string | undefined {
  return hasRole(request.roles, allowed)
    ? undefined
    : `${request.actor} may not ${what}: needs role ${allowed.join(' or ')}`;
}
