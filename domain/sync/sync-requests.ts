import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { syncBranchNameSchema } from './branch-names';
import { DOCUMENT_KINDS, SYNC_LIMITS } from './sync-types';

/*
 * The documentSync Updates' arguments as the gateway and CLI send them (`actor` and `roles`
 * from the caller's credentials), parsed by the workflow's validators (document-sync-state.ts).
 * Shapes only: the rules that need the document (its kind, its head, the size limit) are the
 * state's.
 */

const actorSchema = lazySchema(() => z.string().trim().min(1).max(200));
const rolesSchema = lazySchema(() => z.array(z.string().max(100)).max(20));
const requestIdSchema = lazySchema(() =>
  z.string({ error: 'must be a request id (text)' }).trim().min(1, { error: 'must not be empty' }).max(200),
);
/** A sha256 hex: a content hash or a commit id. */
export const sha256HexSchema = lazySchema(() =>
  z.string({ error: 'must be a sha256 hex (64 characters)' }).regex(/^[0-9a-f]{64}$/, {
    error: 'must be a sha256 hex (64 lower-case hex characters)',
  }),
);
const messageSchema = lazySchema(() =>
  z
    .string({ error: 'must be a text' })
    .max(SYNC_LIMITS.maxMessageChars, { error: `must be at most ${SYNC_LIMITS.maxMessageChars} characters` }),
);

export const commitRequestSchema = lazySchema(() =>
  z.strictObject({
    requestId: requestIdSchema,
    actor: actorSchema,
    roles: rolesSchema,
    kind: z.enum(DOCUMENT_KINDS, { error: `must be a document kind: ${DOCUMENT_KINDS.join(', ')}` }),
    parent: sha256HexSchema.optional(),
    contentHash: sha256HexSchema,
    contentBytes: z
      .int({ error: 'must be a whole number of bytes' })
      .nonnegative({ error: 'must be 0 or more (bytes)' }),
    // Any JSON; its size and plainness are checked by the state (they need the limits).
    metadata: z.unknown(),
    message: messageSchema.refine((message) => message.trim().length > 0, { error: 'must not be empty' }),
    branch: syncBranchNameSchema.optional(),
  }),
);

export const revertRequestSchema = lazySchema(() =>
  z.strictObject({
    requestId: requestIdSchema,
    actor: actorSchema,
    roles: rolesSchema,
    commitId: sha256HexSchema,
    message: messageSchema.optional(),
  }),
);

export const branchCreateRequestSchema = lazySchema(() =>
  z.strictObject({
    requestId: requestIdSchema,
    actor: actorSchema,
    roles: rolesSchema,
    name: syncBranchNameSchema,
    at: sha256HexSchema.optional(),
  }),
);

export const branchDeleteRequestSchema = lazySchema(() =>
  z.strictObject({ requestId: requestIdSchema, actor: actorSchema, roles: rolesSchema, name: syncBranchNameSchema }),
);

export const mergeRequestSchema = lazySchema(() =>
  z.strictObject({
    requestId: requestIdSchema,
    actor: actorSchema,
    roles: rolesSchema,
    branch: syncBranchNameSchema,
    message: messageSchema.refine((message) => message.trim().length > 0, { error: 'must not be empty' }),
  }),
);
