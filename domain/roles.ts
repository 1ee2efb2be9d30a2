import { z } from 'zod';
import { lazySchema } from './lazy-schema';

/**
 * Roles of the gateway and CLI. They are not a ladder: an approver signs off money or
 * plans but need not run operations. `admin` may do everything.
 *   viewer   read workflows, queries, OpenAPI, codec decode
 *   operator start workflows, send operational signals/updates, trigger/pause schedules
 *   approver send approval decisions (their identity is the token's subject)
 *   admin    all of the above, plus schedules sync and audit
 */
export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
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
