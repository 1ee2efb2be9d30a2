import { matchesDocumentGlob } from '../../domain/sync/document-glob';
import type { DocumentKind, SyncHook } from '../../domain/sync/sync-types';

/** A hook runs for the kinds it lists (none listed: every kind) and the documents its glob matches. */
export function hookApplies(
  hook: Pick<SyncHook, 'kinds' | 'documents'>,
  kind: DocumentKind,
  documentId: string,
): boolean {
  return (hook.kinds.length === 0 || hook.kinds.includes(kind)) && matchesDocumentGlob(hook.documents, documentId);
}
