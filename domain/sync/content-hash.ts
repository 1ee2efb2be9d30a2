// node:crypto in domain/: this file runs where content is handled (the gateway and CLI before
// staging, activities), never in a workflow (test/unit/sync-state-imports.test.ts keeps it out
// of the workflow's imports). Hashing up to 5 MiB of content takes node:crypto milliseconds;
// the pure-TypeScript SHA-256 of domain/alerts/sha256.ts takes most of a second.
// eslint-disable-next-line no-restricted-imports
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import type { JsonValue, SyncCommit } from './sync-types';

/**
 * Content addressing, as git's objects: a document's content (and its metadata) is known by
 * the sha256 of its canonical JSON (keys sorted at every depth), so equal content has one hash
 * whatever its key order or spacing, in every process.
 */

/** The canonical JSON text of a value: what is hashed, stored and measured. */
export function canonicalText(value: JsonValue): string {
  const text = canonicalJson(value);
  // JSON.stringify answers undefined (not a string) for undefined and functions.
  if (typeof text !== 'string') throw new TypeError('content must be a JSON value');
  return text;
}

/** UTF-8 bytes of the canonical JSON: what SYNC_LIMITS and the config's maxContentBytes bound. */
export function canonicalBytes(value: JsonValue): number {
  return Buffer.byteLength(canonicalText(value));
}

/** sha256 hex of the canonical JSON (a content's or a metadata's hash). */
export function contentHash(value: JsonValue): string {
  return sha256(canonicalText(value));
}

/**
 * The canonical text, its hash and its UTF-8 bytes from one serialisation: what a store writes.
 * A plan of 100,000 spaces takes about half a second to canonicalise; doing it once matters.
 */
export function canonicalContent(value: JsonValue): { canonical: string; hash: string; bytes: number } {
  const canonical = canonicalText(value);
  return { canonical, hash: sha256(canonical), bytes: Buffer.byteLength(canonical) };
}

/** What a commit's id is made of: everything that makes it this commit, but not the patch (derived). */
export type CommitIdFields = Pick<
  SyncCommit,
  'documentId' | 'parents' | 'contentHash' | 'metadataHash' | 'author' | 'message' | 'at'
>;

/**
 * sha256 hex of canonicalJson({documentId, parents, contentHash, metadataHash, author, message,
 * at}). Only these seven fields count, so a whole SyncCommit may be passed; `at` is workflow
 * time, so a retried activity prepares the same id. The document is part of it: two documents'
 * first commits of the same content by the same author in one millisecond are two commits.
 */
export function commitIdOf(fields: CommitIdFields): string {
  const { documentId, parents, contentHash: content, metadataHash, author, message, at } = fields;
  return sha256(canonicalText({ documentId, parents, contentHash: content, metadataHash, author, message, at }));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
