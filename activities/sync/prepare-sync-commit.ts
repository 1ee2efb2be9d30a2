import type { SyncStore } from '../../db/sync-store';
import { canonicalBytes, commitIdOf } from '../../domain/sync/content-hash';
import { documentContentIssues } from '../../domain/sync/document-kinds';
import { jsonContentIssues } from '../../domain/sync/json-content';
import { diffDocuments } from '../../domain/sync/json-diff';
import { threeWayMerge } from '../../domain/sync/three-way-merge';
import { SYNC_LIMITS, type JsonValue, type SyncCommit } from '../../domain/sync/sync-types';
import { issuesText } from '../../domain/validation';
import { commitSummary } from './commit-summary';
import type { PrepareCommitInput, PreparedCommit } from './sync-activity-types';
import { refusalsAsInputErrors, syncInputError } from './sync-failures';

export interface PrepareDeps {
  store: SyncStore;
  /** The config's limit (never above SYNC_LIMITS.maxContentBytes). */
  maxContentBytes: number;
}

/** What the writer proposes: content (staged) and metadata, with their hashes. */
export interface Proposal {
  content: JsonValue;
  contentHash: string;
  metadata: JsonValue;
}

/**
 * A change prepared against the head the workflow holds: a plain commit when the writer's
 * parent is the head (or the document has none yet), a three-way merge commit when the parent is
 * an older commit of the history and the two sides touched disjoint paths, else a conflict
 * naming the paths. Written: content (the merged content, the metadata), staged by hash, and the
 * commit row with its patches, which stays out of the history until writeSyncCommit moves head
 * onto it (a denied change's row never is); both are the same on a retry, as the commit id
 * comes from workflow time. The workflow gets the commit without its patches (they can be
 * megabytes, over Temporal's payload limit).
 */
export async function prepareSyncCommit(deps: PrepareDeps, input: PrepareCommitInput): Promise<PreparedCommit> {
  return refusalsAsInputErrors(async () => {
    const { store } = deps;
    // On a branch, its tip plays head's part: read here, in the workflow's turn, so it cannot move
    // before writeSyncCommit compares and sets it (the workflow passes it back as `expected`).
    const branch = input.branch;
    const tip = branch === undefined ? input.head : await store.ref(input.documentId, branch);
    if (branch !== undefined && tip === undefined) {
      throw syncInputError(`branch: ${input.documentId} has no branch ${branch}`);
    }
    const prepared = await prepareOn(deps, input, tip ?? null);
    return branch !== undefined && prepared.kind === 'commit' ? { ...prepared, expected: tip! } : prepared;
  });
}

async function prepareOn(deps: PrepareDeps, input: PrepareCommitInput, tip: string | null): Promise<PreparedCommit> {
  const { store } = deps;
  const head = tip === null ? undefined : await store.commit(input.documentId, tip);
  if (tip !== null && !head) {
    throw syncInputError(`head ${tip} is not a commit of document ${input.documentId}`);
  }
  if (head && head.kind !== input.kind) {
    throw syncInputError(`kind: ${input.documentId} is a ${head.kind} document, not ${input.kind}`);
  }
  const proposal = input.revertOf ? await revertProposal(store, input, input.revertOf) : await staged(deps, input);
  const parent = input.revertOf ? (tip ?? undefined) : input.parent;

  if (!head) {
    if (parent !== undefined) {
      throw syncInputError(`parent: ${parent} is not in the history of ${input.documentId} (it has no commits yet)`);
    }
    return commitOf(store, input, [], undefined, proposal, false);
  }
  if (parent === undefined) {
    throw syncInputError(`parent: required: ${input.documentId} has commits (head ${head.commitId})`);
  }
  if (parent === head.commitId) return commitOf(store, input, [head.commitId], head, proposal, false);

  // A stale parent: merge the writer's change into what happened since, or name the collisions.
  const base = await store.commit(input.documentId, parent);
  const inHistory =
    input.branch === undefined
      ? await store.isAncestor(input.documentId, parent)
      : await store.reaches(input.documentId, head.commitId, parent);
  if (!base || !inHistory) {
    const of = input.branch === undefined ? input.documentId : `branch ${input.branch} of ${input.documentId}`;
    throw syncInputError(`parent: ${parent} is not in the history of ${of}`);
  }
  const [baseContent, headContent, baseMetadata, headMetadata] = await Promise.all([
    contentOf(store, base.contentHash),
    contentOf(store, head.contentHash),
    contentOf(store, base.metadataHash),
    contentOf(store, head.metadataHash),
  ]);
  const content = threeWayMerge(baseContent, headContent, proposal.content, input.kind);
  const metadata = threeWayMerge(baseMetadata, headMetadata, proposal.metadata, 'json');
  if ('conflict' in content || 'conflict' in metadata) {
    const paths = [
      ...('conflict' in content ? content.conflict : []),
      ...('conflict' in metadata ? metadata.conflict.map(metadataPath) : []),
    ];
    return { kind: 'conflict', head: head.commitId, paths };
  }
  const { contentHash } = await store.stageContent(content.merged);
  const merged: Proposal = { content: content.merged, contentHash, metadata: metadata.merged };
  return commitOf(store, input, [head.commitId, parent], head, merged, true);
}

/** The staged content, checked again here (the workflow holds only its hash), and the inline metadata. */
async function staged(deps: PrepareDeps, input: PrepareCommitInput): Promise<Proposal> {
  const found = await deps.store.content(input.contentHash);
  if (!found) throw syncInputError(`content ${input.contentHash} is not staged (stage the content, then commit)`);
  if (found.bytes > deps.maxContentBytes) {
    throw syncInputError(`content is ${found.bytes} bytes, over the limit of ${deps.maxContentBytes}`);
  }
  const issues = documentContentIssues(input.kind, found.content);
  if (issues.length > 0) throw syncInputError(`content: not a valid ${input.kind} document: ${issuesText(issues)}`);
  const metadataIssues = jsonContentIssues(input.metadata);
  if (metadataIssues.length > 0) throw syncInputError(`metadata: ${issuesText(metadataIssues)}`);
  const metadataBytes = canonicalBytes(input.metadata);
  if (metadataBytes > SYNC_LIMITS.maxMetadataBytes) {
    throw syncInputError(`metadata is ${metadataBytes} bytes, over the limit of ${SYNC_LIMITS.maxMetadataBytes}`);
  }
  return { content: found.content, contentHash: input.contentHash, metadata: input.metadata };
}

/** A revert restores an earlier commit's content and metadata (history is never rewritten). */
async function revertProposal(store: SyncStore, input: PrepareCommitInput, revertOf: string): Promise<Proposal> {
  const target = await store.commit(input.documentId, revertOf);
  if (!target || !(await store.inHeadHistory(input.documentId, revertOf))) {
    throw syncInputError(`commit ${revertOf} is not in the history of ${input.documentId}`);
  }
  return {
    content: await contentOf(store, target.contentHash),
    contentHash: target.contentHash,
    metadata: await contentOf(store, target.metadataHash),
  };
}

export async function commitOf(
  store: SyncStore,
  input: PrepareCommitInput,
  parents: string[],
  from: SyncCommit | undefined,
  proposal: Proposal,
  merged: boolean,
): Promise<PreparedCommit> {
  const { contentHash: metadataHash } = await store.stageContent(proposal.metadata);
  const [fromContent, fromMetadata] = from
    ? await Promise.all([contentOf(store, from.contentHash), contentOf(store, from.metadataHash)])
    : [undefined, undefined];
  const diff = diffDocuments(fromContent, proposal.content, input.kind);
  const fields = {
    documentId: input.documentId,
    parents,
    contentHash: proposal.contentHash,
    metadataHash,
    author: input.author,
    message: input.message,
    at: input.at,
  };
  const commit: SyncCommit = {
    commitId: commitIdOf(fields),
    kind: input.kind,
    ...fields,
    patch: diff.patch,
    metadataPatch: diffDocuments(fromMetadata, proposal.metadata, 'json').patch,
    stats: diff.stats,
    ...(input.revertOf ? { revertOf: input.revertOf } : {}),
  };
  await store.insertCommit(commit);
  return { kind: 'commit', commit: commitSummary(commit), merged };
}

export async function contentOf(store: SyncStore, hash: string): Promise<JsonValue> {
  const found = await store.content(hash);
  if (!found) throw syncInputError(`content ${hash} of a commit is missing from the store`);
  return found.content;
}

/** A metadata conflict as the writer reads it: `metadata.source`, `metadata` for the whole. */
export function metadataPath(path: string): string {
  if (path === '(root)') return 'metadata';
  return path.startsWith('[') ? `metadata${path}` : `metadata.${path}`;
}
