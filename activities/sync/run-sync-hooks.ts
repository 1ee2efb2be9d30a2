import { Context } from '@temporalio/activity';
import type { SyncStore } from '../../db/sync-store';
import { documentContentIssues } from '../../domain/sync/document-kinds';
import type { HookRequestBody, HookVerdict, JsonValue, PatchOperation } from '../../domain/sync/sync-types';
import { issuesText } from '../../domain/validation';
import type { RunHooksInput } from './sync-activity-types';
import { heartbeating } from '../heartbeat';
import { complianceQuickCheck } from './compliance-quick-check';
import { askExternalHook } from './external-hook';
import { hookApplies } from './hook-filter';
import { syncInputError } from './sync-failures';

export interface RunHooksDeps {
  store: SyncStore;
  fetchImpl: typeof fetch;
}

/**
 * The validation hooks, in order: the kind's schema (on the content as committed, which for a
 * merge is content no writer sent), the compliance quick check for plans, then the external
 * hooks of the store in their order. The first deny ends the run (later hooks are not asked
 * about a change that will not be committed); the verdicts so far are returned, the deny last.
 */
export async function runSyncHooks(deps: RunHooksDeps, input: RunHooksInput): Promise<HookVerdict[]> {
  const { store } = deps;
  const content = await stored(store, input.commit.contentHash, 'content');
  const verdicts: HookVerdict[] = [];
  const decided = (verdict: HookVerdict) => {
    verdicts.push(verdict);
    return !verdict.allowed;
  };

  const issues = documentContentIssues(input.kind, content);
  if (decided({ hook: 'schema', allowed: issues.length === 0, reasons: issues.length ? [issuesText(issues)] : [] })) {
    return verdicts;
  }

  const firstParent = input.commit.parents[0];
  if (input.kind === 'plan') {
    const parent = firstParent === undefined ? undefined : await store.commit(input.documentId, firstParent);
    const verdict = complianceQuickCheck({
      content,
      parentContent: parent && (await stored(store, parent.contentHash, 'parent content')),
      author: input.author,
      authorRoles: input.authorRoles,
      message: input.message,
      asOf: asOfDay(),
    });
    if (decided(verdict)) return verdicts;
  }

  const hooks = (await store.signingHooks()).filter((hook) => hookApplies(hook, input.kind, input.documentId));
  if (hooks.length === 0) return verdicts;
  const body: HookRequestBody = {
    documentId: input.documentId,
    kind: input.kind,
    author: input.author,
    message: input.message,
    parent: firstParent ?? null,
    content,
    patch: await preparedPatch(store, input),
    metadata: await stored(store, input.commit.metadataHash, 'metadata'),
  };
  for (const hook of hooks) {
    // Heartbeats while the hook thinks: a lost worker is noticed by the heartbeat timeout, not the hook's.
    const verdict = await heartbeating((signal) =>
      askExternalHook(hook, body, {
        fetchImpl: deps.fetchImpl,
        signal,
        // The same commit asks a hook under the same id on every attempt: the hook may dedupe.
        deliveryId: `sync/${input.documentId}/${input.commit.commitId}/${hook.hookId}`,
      }),
    );
    if (decided(verdict)) return verdicts;
  }
  return verdicts;
}

/** The patch prepareSyncCommit stored with the commit row (the workflow never carries it: it can be megabytes). */
async function preparedPatch(store: SyncStore, input: RunHooksInput): Promise<PatchOperation[]> {
  const commit = await store.commit(input.documentId, input.commit.commitId);
  if (!commit) throw syncInputError(`commit ${input.commit.commitId} of ${input.documentId} was not prepared`);
  return commit.patch;
}

async function stored(store: SyncStore, hash: string, what: string): Promise<JsonValue> {
  const found = await store.content(hash);
  if (!found) throw syncInputError(`the commit's ${what} ${hash} is not in the store`);
  return found.content;
}

/**
 * The code in force on the day the workflow first scheduled this check (the same on every
 * retry of it, so a retry past midnight judges by the same code).
 */
function asOfDay(): string {
  let scheduled = Date.now();
  try {
    scheduled = Context.current().info.scheduledTimestampMs;
  } catch {
    // Outside an activity (a direct call): today.
  }
  return new Date(scheduled).toISOString().slice(0, 10);
}
