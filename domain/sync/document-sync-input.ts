import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { sha256HexSchema } from './sync-requests';
import { DOCUMENT_KINDS, type DocumentSyncInput } from './sync-types';

/*
 * The documentSync workflow's start input, parsed by the workflow (workflows/kit/workflow-input.ts:
 * a malformed start fails the run as InvalidInput). A client starts it with `{documentId}`; a
 * run that continues as new hands the next one its state (`carried`, the contract's) and what
 * the workflow itself carries (`unannounced`, `unannouncedDropped`, `options`).
 */

/**
 * A document id: a business key such as `plan-7` or `project-12.budget`. It goes into the
 * workflow id (`sync/<documentId>`) and a URL path segment; `hooks` is taken by /v1/sync/hooks.
 */
export const syncDocumentIdSchema = lazySchema(() =>
  z
    .string({ error: 'must be a document id (text)' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, {
      error: 'a document id: letters, digits and . _ : @ - (at most 200, starting with a letter or digit)',
    })
    .refine((id) => id !== 'hooks', { error: '"hooks" is reserved (GET /v1/sync/hooks)' }),
);

const statsSchema = lazySchema(() =>
  z.object({ added: z.int().nonnegative(), removed: z.int().nonnegative(), changed: z.int().nonnegative() }),
);

// The carried state is written by the previous run: its shape is checked, and fields a later
// version adds to an entry pass through (looseObject) rather than being lost on the way.
const logEntrySchema = lazySchema(() =>
  z.looseObject({
    commitId: sha256HexSchema,
    parents: z.array(sha256HexSchema).max(2),
    author: z.string(),
    message: z.string(),
    at: z.string(),
    stats: statsSchema,
  }),
);

const refusalSchema = lazySchema(() =>
  z.looseObject({
    requestId: z.string(),
    author: z.string(),
    at: z.string(),
    outcome: z.enum(['denied', 'conflict']),
    reasons: z.array(z.string()),
  }),
);

const outcomeSchema = lazySchema(() =>
  z.discriminatedUnion('outcome', [
    z.looseObject({
      outcome: z.literal('committed'),
      commitId: sha256HexSchema,
      parents: z.array(sha256HexSchema).max(2),
      documentId: z.string(),
      stats: statsSchema,
      merged: z.boolean(),
    }),
    z.looseObject({
      outcome: z.literal('denied'),
      documentId: z.string(),
      reasons: z.array(z.string()),
      verdicts: z.array(z.looseObject({ hook: z.string(), allowed: z.boolean(), reasons: z.array(z.string()) })),
    }),
    z.looseObject({
      outcome: z.literal('conflict'),
      documentId: z.string(),
      // '' when head moved under the workflow to a commit it could not name.
      head: z.string(),
      paths: z.array(z.string()),
    }),
  ]),
);

const carriedSchema = lazySchema(() =>
  z.strictObject({
    kind: z.enum(DOCUMENT_KINDS).optional(),
    head: sha256HexSchema.optional(),
    commits: z.int().nonnegative(),
    recent: z.array(logEntrySchema),
    refused: z.array(refusalSchema),
    answered: z.array(z.tuple([z.string(), outcomeSchema])),
  }),
);

/** The contract's DocumentSyncInput (domain/sync/sync-types.ts). */
export const documentSyncInputSchema = lazySchema(() =>
  z.strictObject({ documentId: syncDocumentIdSchema, carried: carriedSchema.optional() }),
);

/** The workflow's input: the contract's, plus what a continued run carries and its options. */
export const documentSyncRunInputSchema = lazySchema(() =>
  documentSyncInputSchema.extend({
    // Not bounded here: the workflow keeps the newest ones (a longer list from an older run is not malformed).
    unannounced: z.array(sha256HexSchema).optional(),
    unannouncedDropped: z.int().nonnegative().optional(),
    options: z
      .strictObject({
        commitsPerRun: z.int({ error: 'must be a whole number of commits' }).positive().optional(),
        maxUnannounced: z.int({ error: 'must be a whole number of commits' }).positive().optional(),
      })
      .optional(),
  }),
);

/** The workflow's input: the contract's, plus what a continued run carries that the contract leaves to the workflow. */
export interface DocumentSyncRunInput extends DocumentSyncInput {
  /** Commits whose subscribers were not told yet when the previous run continued as new (the newest ones: bounded). */
  unannounced?: string[];
  /** Commits whose subscribers were never told, over every run: more were waiting than a run keeps. */
  unannouncedDropped?: number;
  options?: {
    /** Continue as new after this many commits in one run (default COMMITS_PER_RUN; tests use a few). */
    commitsPerRun?: number;
    /** Commits waiting to be announced that a run keeps (default MAX_UNANNOUNCED; tests use a few). */
    maxUnannounced?: number;
  };
}
