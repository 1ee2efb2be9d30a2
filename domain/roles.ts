import { z } from 'zod';
import { lazySchema } from './lazy-schema';

/**
 * Roles of the gateway and CLI. They are not a ladder: an approver signs off money or
 * plans but need not run operations. `admin` may do everything.
 *   viewer   read workflows, queries, OpenAPI, codec decode
 *   operator start workflows, send operational signals/updates, trigger/pause schedules
 *   approver send approval decisions (their identity is the token's subject)
 *   deployer start deployments and steer them (promote, pause, resume, abort, rollback):
 *            what a CI system's token holds (`arxflow token create --sub ci --role deployer`)
 *   reviewer approve or reject a deployment's production step; the workflow also checks that
 *            the subject is one of the service's configured reviewers and not who started it
 *   editor   commit to and revert versioned project documents (data sync); reading them needs viewer
 *   admin    all of the above, plus schedules sync, audit, a deployment's freeze-window override
 *            and data sync's validation hooks
 */
export const ROLES = ['viewer', 'operator', 'approver', 'deployer', 'reviewer', 'editor', 'admin'] as const;
export const roleSchema = lazySchema(() => z.enum(ROLES));
export type Role = z.infer<typeof roleSchema>;

/** The roles that may read anything. */
export const ANY_ROLE: readonly Role[] = ROLES;

/**
 * Any role name a token may carry: the gateway roles above, plus business roles that
 * workflows check themselves (an approval stage for `signatory`, say).
 */
export const roleNameSchema = lazySchema(() =>
  z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/, 'a role name: lower-case letters, digits, _ or -'),
);

export function hasAnyRole(granted: readonly string[], allowed: readonly Role[]): boolean {
  return granted.includes('admin') || granted.some((role) => (allowed as readonly string[]).includes(role));
}
