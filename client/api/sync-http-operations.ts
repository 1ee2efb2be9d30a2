import type {
  BranchOutcome,
  CommitOutcome,
  DocumentSyncView,
  SyncBranch,
  SyncCommitContent,
} from '../../domain/sync/sync-types';
import { GatewayOperations, queryOf } from './gateway-client';
import type { Caller } from './operations';
import type {
  BranchBody,
  CommitAnswer,
  CommitBody,
  MergeBody,
  DiffQuery,
  DocumentListFilter,
  HookBody,
  LogQuery,
  RevertBody,
  SyncDiff,
  SyncDocumentSummary,
  SyncHookListing,
  SyncLogPage,
  SyncOperations,
} from './sync-operations';
import { refusalOf } from './sync-outcomes';

/**
 * SyncOperations through the gateway (/v1/sync); who the caller is: GatewayOperations. A 409
 * conflict or 422 denied answer comes back as its CommitOutcome, as on Temporal directly.
 */
export class HttpSyncOperations extends GatewayOperations implements SyncOperations {
  commit(documentId: string, body: CommitBody, caller: Caller) {
    return this.change(documentId, 'commits', body, caller);
  }

  revert(documentId: string, body: RevertBody, caller: Caller) {
    return this.change(documentId, 'revert', body, caller);
  }

  head(documentId: string) {
    return this.gateway.request<DocumentSyncView>('GET', documentPath(documentId));
  }

  async documents(filter: DocumentListFilter) {
    return (await this.gateway.request<{ documents: SyncDocumentSummary[] }>('GET', `/v1/sync${queryOf(filter)}`))
      .documents;
  }

  log(documentId: string, query: LogQuery) {
    return this.gateway.request<SyncLogPage>('GET', `${documentPath(documentId)}/log${queryOf(query)}`);
  }

  show(documentId: string, commitId?: string, branch?: string) {
    const commit = encodeURIComponent(commitId ?? 'head');
    return this.gateway.request<SyncCommitContent>(
      'GET',
      `${documentPath(documentId)}/commits/${commit}${queryOf(branch === undefined ? {} : { branch })}`,
    );
  }

  async createBranch(documentId: string, body: BranchBody, caller: Caller): Promise<BranchOutcome> {
    const branch = await this.as(caller).request<SyncBranch>('POST', `${documentPath(documentId)}/branches`, body);
    return { outcome: 'created', documentId, branch };
  }

  async branches(documentId: string) {
    return (await this.gateway.request<{ branches: SyncBranch[] }>('GET', `${documentPath(documentId)}/branches`))
      .branches;
  }

  async deleteBranch(documentId: string, name: string, caller: Caller): Promise<BranchOutcome> {
    const branch = await this.as(caller).request<SyncBranch>(
      'DELETE',
      `${documentPath(documentId)}/branches/${encodeURIComponent(name)}`,
    );
    return { outcome: 'deleted', documentId, branch };
  }

  merge(documentId: string, body: MergeBody, caller: Caller) {
    return this.change(documentId, 'merge', body, caller);
  }

  diff(documentId: string, query: DiffQuery) {
    return this.gateway.request<SyncDiff>('GET', `${documentPath(documentId)}/diff${queryOf(query)}`);
  }

  async listHooks(caller: Caller) {
    return (await this.as(caller).request<{ hooks: SyncHookListing[] }>('GET', '/v1/sync/hooks')).hooks;
  }

  addHook(body: HookBody, caller: Caller) {
    return this.as(caller).request<SyncHookListing>('POST', '/v1/sync/hooks', body);
  }

  async removeHook(hookId: string, caller: Caller) {
    await this.as(caller).request<void>('DELETE', `/v1/sync/hooks/${encodeURIComponent(hookId)}`);
    return { removed: true };
  }

  private async change(
    documentId: string,
    action: 'commits' | 'revert' | 'merge',
    body: CommitBody | RevertBody | MergeBody,
    caller: Caller,
  ): Promise<CommitOutcome> {
    try {
      const answer = await this.as(caller).request<CommitAnswer>('POST', `${documentPath(documentId)}/${action}`, body);
      return { outcome: 'committed', ...answer };
    } catch (err) {
      const refusal = refusalOf(err, documentId);
      if (refusal) return refusal;
      throw err;
    }
  }
}

/** `/v1/sync/<documentId>`, URL-encoded. */
const documentPath = (documentId: string) => `/v1/sync/${encodeURIComponent(documentId)}`;
