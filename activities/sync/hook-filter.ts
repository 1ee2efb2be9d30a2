import type { DocumentKind } from '../../domain/sync/sync-types';

/**
 * Whether a document id matches a glob of the sync config and hooks: `*` is any run of
 * characters (slashes included: document ids are flat names such as `tower-a/plan`), every other
 * character stands for itself.
 */
export function documentGlobMatches(glob: string, documentId: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(documentId);
}

/** A hook or subscription applies to a kind it lists (none listed: every kind) and a document its glob matches. */
export function appliesTo(
  rule: { kinds: readonly DocumentKind[]; documents: string },
  kind: DocumentKind,
  documentId: string,
): boolean {
  return (rule.kinds.length === 0 || rule.kinds.includes(kind)) && documentGlobMatches(rule.documents, documentId);
}
