import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Role } from '../domain/roles';
import { DOCUMENT_KINDS, SYNC_LIMITS, type CommitOutcome } from '../domain/sync/sync-types';
import type { Caller } from '../client/api/operations';
import {
  branchBodySchema,
  branchNameSchema,
  commitBodySchema,
  commitIdSchema,
  mergeBodySchema,
  showQuerySchema,
  SYNC_BRANCH_DELETE_ROLES,
  SYNC_BRANCH_ROLES,
  diffQuerySchema,
  documentIdSchema,
  documentListSchema,
  hookBodySchema,
  hookIdSchema,
  logQuerySchema,
  revertBodySchema,
  SYNC_HOOK_ROLES,
  SYNC_READ_ROLES,
  SYNC_WRITE_ROLES,
  type SyncOperations,
} from '../client/api/sync-operations';
import { refusalBody } from '../client/api/sync-outcomes';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorBody, errorResponses, noContent } from './responses';

const tags = ['sync'];
const READ_ERRORS = [400, 401, 403, 503] as const;
const roleList = (roles: readonly Role[]) => roles.join(' or ');

/**
 * A commit's body holds the whole document: up to SYNC_LIMITS.maxContentBytes as canonical
 * JSON, more as sent (indentation), so this route takes more than the gateway's 1 MB. The
 * canonical size is checked after parsing (400 naming `content`).
 */
const COMMIT_BODY_LIMIT = 2 * SYNC_LIMITS.maxContentBytes + SYNC_LIMITS.maxMetadataBytes + 64 * 1024;

const documentParams = z.object({ documentId: documentIdSchema });
const commitParams = documentParams.extend({
  commitId: z.union([commitIdSchema, z.literal('head')]).describe('a commit id, or `head`'),
});
const hookParams = z.object({ hookId: hookIdSchema });
const branchParams = documentParams.extend({ name: branchNameSchema.describe('the branch name, URL-encoded') });
const branchSchema = z.object({
  name: z.string(),
  commitId: z.string().describe("the branch's tip"),
  createdBy: z.string(),
  at: z.string().describe('when it was created'),
});

const statsSchema = z.object({ added: z.number(), removed: z.number(), changed: z.number() });
const committedSchema = z.object({
  commitId: z.string(),
  parents: z.array(z.string()).describe('[] first commit, [parent], or [head, your parent] for a merge'),
  documentId: z.string(),
  stats: statsSchema,
  merged: z.boolean().describe('your parent was stale and a three-way merge of disjoint edits made this commit'),
  branch: z.string().optional().describe('the branch the commit went onto (absent: head)'),
  fastForward: z
    .boolean()
    .optional()
    .describe("a merge that moved head onto the branch's tip (commitId): no new commit"),
});
const conflictSchema = errorBody
  .extend({
    error: z.literal('conflict'),
    documentId: z.string(),
    head: z.string().describe('the current head: rebase your edit on it and commit again'),
    paths: z.array(z.string()).describe('paths both sides changed, e.g. spaces[id=S2].area'),
  })
  .describe('Your parent is stale and the commits since touched the same paths: nothing was committed');
const deniedSchema = errorBody
  .extend({
    error: z.literal('denied'),
    documentId: z.string(),
    reasons: z.array(z.string()),
    verdicts: z.array(z.looseObject({ hook: z.string(), allowed: z.boolean(), reasons: z.array(z.string()) })),
  })
  .describe('A validation hook (schema, compliance, an external hook) denied it: nothing was committed');
const logEntrySchema = z.looseObject({
  commitId: z.string(),
  parents: z.array(z.string()),
  author: z.string(),
  message: z.string(),
  at: z.string(),
  stats: statsSchema.optional(),
});
const viewSchema = z.looseObject({
  documentId: z.string(),
  kind: z.enum(DOCUMENT_KINDS).optional(),
  head: z.string().optional().describe('absent before the first commit'),
  commits: z.number(),
  recent: z.array(logEntrySchema).describe('the newest commits, newest first'),
  pending: z.number().describe('changes waiting their turn'),
  refused: z.array(z.looseObject({ requestId: z.string(), author: z.string(), outcome: z.string() })),
  unannouncedDropped: z
    .number()
    .optional()
    .describe('commits whose subscribers were never told (a channel down while over 1,000 waited); absent when none'),
});
const showSchema = z.looseObject({
  commitId: z.string(),
  documentId: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  parents: z.array(z.string()),
  content: z.unknown().describe('the document at this commit'),
  metadata: z.unknown(),
  author: z.string(),
  message: z.string(),
  at: z.string(),
});
const patchSchema = z.array(z.looseObject({ op: z.string(), path: z.string() })).describe('RFC 6902 operations');
const diffSchema = z.object({
  documentId: z.string(),
  from: z.string(),
  to: z.string(),
  patch: patchSchema,
  metadataPatch: patchSchema,
  changes: z
    .array(z.string())
    .describe('readable path-level changes, as `arxflow sync diff` prints them: spaces[id=S2].areaSqft: 400 -> 650'),
});
const hookListingSchema = z.looseObject({
  hookId: z.string(),
  url: z.string(),
  kinds: z.array(z.string()),
  documents: z.string(),
  timeoutMs: z.number(),
  order: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const documentSummarySchema = z.looseObject({
  documentId: z.string(),
  kind: z.string(),
  head: z.string(),
  commits: z.number(),
  updatedAt: z.string(),
});

/**
 * /v1/sync: versioned project documents (issue #15). Editors commit and revert, create
 * branches and merge them, viewers read (head, log, a commit, a diff, branches), admins
 * manage the validation hooks and delete branches. A commit answers
 * 201 when it is in, 409 `conflict` (with the head to rebase on and the paths both sides
 * changed) when the writer's parent is stale and the edits overlap, 422 `denied` (with the
 * hooks' reasons) when a hook refuses; bad input is 400 naming the field, nothing written.
 * The live feed of a document's commits is GET /v1/sync/{documentId}/events (the service's one
 * stream, gateway/stream-routes.ts).
 */
export function registerSyncRoutes(
  app: FastifyInstance,
  deps: { operations: SyncOperations; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operations } = deps;
  const reader = requireRole(deps.authenticator, SYNC_READ_ROLES);
  const writer = requireRole(deps.authenticator, SYNC_WRITE_ROLES);
  const admin = requireRole(deps.authenticator, SYNC_HOOK_ROLES);
  const caller = (request: { principal?: Caller }): Caller => request.principal!;
  const changeResponses = {
    201: committedSchema.describe('Committed (a merge commit when your parent was stale and the edits disjoint)'),
    409: conflictSchema,
    422: deniedSchema,
    ...errorResponses([...READ_ERRORS, 404], { 404: 'No such commit in this document (revert)' }),
  };

  routes.get(
    '/v1/sync',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: 'Documents with a history, most recently changed first',
        querystring: documentListSchema,
        response: { 200: z.object({ documents: z.array(documentSummarySchema) }), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => ({ documents: await operations.documents(request.query) }),
  );

  routes.get(
    '/v1/sync/hooks',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: `Validation hooks, in the order they run (role ${roleList(SYNC_HOOK_ROLES)}; secrets never returned)`,
        response: { 200: z.object({ hooks: z.array(hookListingSchema) }), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => ({ hooks: await operations.listHooks(caller(request)) }),
  );

  routes.post(
    '/v1/sync/hooks',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: `Add or replace a validation hook (role ${roleList(SYNC_HOOK_ROLES)})`,
        description:
          'Each commit of a matching kind and document POSTs HookRequestBody to the URL, signed with the secret ' +
          '(x-arxflow-signature: t=<unix>,v1=<hmac-sha256 hex of "<t>.<body>">); the hook must answer 2xx JSON ' +
          '{allow, reasons} within timeoutMs. No answer, another status or another body is a deny naming the hook.',
        body: hookBodySchema,
        response: { 201: hookListingSchema, ...errorResponses(READ_ERRORS) },
      },
    },
    async (request, reply) => reply.code(201).send(await operations.addHook(request.body, caller(request))),
  );

  routes.delete(
    '/v1/sync/hooks/:hookId',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: `Remove a validation hook (role ${roleList(SYNC_HOOK_ROLES)})`,
        params: hookParams,
        response: { 204: noContent, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request, reply) => {
      await operations.removeHook(request.params.hookId, caller(request));
      return reply.code(204).send();
    },
  );

  routes.post(
    '/v1/sync/:documentId/commits',
    {
      onRequest: writer,
      bodyLimit: COMMIT_BODY_LIMIT,
      schema: {
        tags,
        summary: `Commit a new version of a document (role ${roleList(SYNC_WRITE_ROLES)})`,
        description:
          "The content is checked (JSON, size, the kind's schema) and stored by its hash before the document's " +
          'workflow (sync/<documentId>) takes the change in turn: with `parent` the head, a plain commit; with an ' +
          'older parent, a three-way merge when the edits touch disjoint paths, else 409 conflict. Hooks then run ' +
          "(schema, the compliance quick check for plans, external hooks): a deny is 422 with their reasons. The author is the token's subject.",
        params: documentParams,
        body: commitBodySchema,
        response: changeResponses,
      },
    },
    async (request, reply) =>
      answer(reply, await operations.commit(request.params.documentId, request.body, caller(request))),
  );

  routes.post(
    '/v1/sync/:documentId/revert',
    {
      onRequest: writer,
      schema: {
        tags,
        summary: `Restore an earlier version as a new commit on the head (role ${roleList(SYNC_WRITE_ROLES)})`,
        description: 'History is never rewritten: the new commit has the content and metadata of `commitId`.',
        params: documentParams,
        body: revertBodySchema,
        response: changeResponses,
      },
    },
    async (request, reply) =>
      answer(reply, await operations.revert(request.params.documentId, request.body, caller(request))),
  );

  const brancher = requireRole(deps.authenticator, SYNC_BRANCH_ROLES);
  const branchDeleter = requireRole(deps.authenticator, SYNC_BRANCH_DELETE_ROLES);

  routes.post(
    '/v1/sync/:documentId/branches',
    {
      onRequest: brancher,
      schema: {
        tags,
        summary: `Create a named branch at a commit, default head (role ${roleList(SYNC_BRANCH_ROLES)})`,
        description:
          "Commit onto it with `branch` in a commit's body, read it with `?branch=`, merge it into head with " +
          'POST /v1/sync/{documentId}/merge. A name taken is 409 `exists`; a bad name is 400 naming `name`.',
        params: documentParams,
        body: branchBodySchema,
        response: {
          201: branchSchema,
          ...errorResponses([...READ_ERRORS, 404, 409], {
            404: 'No such document (commit to it first)',
            409: 'The document has a branch of that name',
          }),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send((await operations.createBranch(request.params.documentId, request.body, caller(request))).branch),
  );

  routes.get(
    '/v1/sync/:documentId/branches',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A document's named branches (head left out), by name",
        params: documentParams,
        response: { 200: z.object({ branches: z.array(branchSchema) }), ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => ({ branches: await operations.branches(request.params.documentId) }),
  );

  routes.delete(
    '/v1/sync/:documentId/branches/:name',
    {
      onRequest: branchDeleter,
      schema: {
        tags,
        summary: `Delete a branch; its commits stay (role ${roleList(SYNC_BRANCH_DELETE_ROLES)}; head cannot be deleted)`,
        params: branchParams,
        response: { 200: branchSchema.describe('The branch as it was'), ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) =>
      (await operations.deleteBranch(request.params.documentId, request.params.name, caller(request))).branch,
  );

  routes.post(
    '/v1/sync/:documentId/merge',
    {
      onRequest: brancher,
      schema: {
        tags,
        summary: `Merge a branch into head (role ${roleList(SYNC_BRANCH_ROLES)})`,
        description:
          "Head the merge base: head moves onto the branch's tip (201 with `fastForward: true`, `commitId` the tip). " +
          'Else a merge commit with parents [head, tip] of the three-way merge, checked by the hooks (422 denied); ' +
          'overlapping edits are 409 conflict with the head and the paths. A branch head already holds is 400 naming `branch`.',
        params: documentParams,
        body: mergeBodySchema,
        response: changeResponses,
      },
    },
    async (request, reply) =>
      answer(reply, await operations.merge(request.params.documentId, request.body, caller(request))),
  );

  routes.get(
    '/v1/sync/:documentId',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A document's head, newest commits, waiting changes and recent refusals",
        params: documentParams,
        response: { 200: viewSchema, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => operations.head(request.params.documentId),
  );

  routes.get(
    '/v1/sync/:documentId/log',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "A document's commits, newest first, a page at a time (`before`: the last commit of the page before)",
        params: documentParams,
        querystring: logQuerySchema,
        response: {
          200: z.object({
            documentId: z.string(),
            commits: z.array(logEntrySchema),
            next: z.string().optional().describe('`before` of the next page; absent on the last page'),
          }),
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    async (request) => operations.log(request.params.documentId, request.query),
  );

  routes.get(
    '/v1/sync/:documentId/commits/:commitId',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: 'One commit (or the head, or `?branch=` a branch and its tip) with the content and metadata at it',
        params: commitParams,
        querystring: showQuerySchema,
        response: { 200: showSchema, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => {
      const { documentId, commitId } = request.params;
      return operations.show(documentId, commitId === 'head' ? undefined : commitId, request.query.branch);
    },
  );

  routes.get(
    '/v1/sync/:documentId/diff',
    {
      onRequest: reader,
      schema: {
        tags,
        summary: "The changes from one commit's content to another's: RFC 6902 and readable path-level lines",
        params: documentParams,
        querystring: diffQuerySchema,
        response: { 200: diffSchema, ...errorResponses([...READ_ERRORS, 404]) },
      },
    },
    async (request) => operations.diff(request.params.documentId, request.query),
  );
}

/** A change's outcome as its HTTP answer: 201 committed, 409 conflict, 422 denied. */
function answer(reply: FastifyReply, outcome: CommitOutcome) {
  if (outcome.outcome === 'committed') {
    const { commitId, parents, documentId, stats, merged, branch, fastForward } = outcome;
    return reply.code(201).send({
      commitId,
      parents,
      documentId,
      stats,
      merged,
      ...(branch === undefined ? {} : { branch }),
      ...(fastForward === undefined ? {} : { fastForward }),
    });
  }
  return reply.code(outcome.outcome === 'conflict' ? 409 : 422).send(refusalBody(outcome));
}
