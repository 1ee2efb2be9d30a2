import { isRecord } from './types';

/**
 * The light, hand-written checks for the messages alert and incident workflows receive
 * (Updates and Signals): a zod schema would be rebuilt in every workflow for a handful of
 * fields. `actor` and `roles` come from the caller's credentials (gateway token, CLI,
 * verified Slack user), never from a request body.
 */

export interface ActorRequest {
  actor: string;
  roles: readonly string[];
  note?: string;
}

/** Roles that may act on alerts and incidents. `responder` is what the gateway grants a verified Slack user. */
export const RESPONDER_ROLES = ['responder', 'operator', 'admin'] as const;
/** Moving an alert to other people is an operator's call. */
export const REASSIGN_ROLES = ['operator', 'admin'] as const;

export const MAX_ACTOR = 200;
export const MAX_NOTE = 2000;

/** What is wrong with an ActorRequest, naming the field, or undefined. */
export function actorRequestProblem(request: unknown): string | undefined {
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
