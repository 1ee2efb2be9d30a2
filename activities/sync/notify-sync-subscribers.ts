import { Context } from '@temporalio/activity';
import type { SyncStore } from '../../db/sync-store';
import { readableChanges } from '../../domain/sync/json-diff';
import { subscriberTargets } from '../../domain/sync/sync-config';
import type { JsonValue, SyncCommit, SyncConfig } from '../../domain/sync/sync-types';
import type { NotificationMessage } from '../notifications/channels';
import type { DeliveryRequest } from '../notifications/deliver';
import { ownerTarget } from '../quality/owner-targets';
import { syncInputError } from './sync-failures';

export interface NotifyDeps {
  store: SyncStore;
  config: SyncConfig;
  notify: (request: DeliveryRequest) => Promise<unknown>;
}

/** Lines of the readable diff a message shows; the rest is counted. */
const MAX_CHANGE_LINES = 20;

/**
 * Tells every subscriber of the config's `sync.subscribers` whose kinds and document glob match
 * of a commit, with its readable diff. Each target is sent under the key
 * `sync/<documentId>/<commitId>/<target>`, so a retry (or a worker killed after some sends)
 * sends only what is missing. One failing target does not stop the others; the activity then
 * fails so the retry sends the rest. Returns how many targets the commit was sent to.
 */
export async function notifySyncSubscribers(
  deps: NotifyDeps,
  input: { documentId: string; commitId: string },
): Promise<{ sent: number }> {
  const { store } = deps;
  const commit = await store.commit(input.documentId, input.commitId);
  if (!commit || !(await store.isAncestor(input.documentId, input.commitId))) {
    throw syncInputError(`commit ${input.commitId} is not in the history of document ${input.documentId}`);
  }
  const targets = subscriberTargets(deps.config, commit.kind, commit.documentId);
  if (targets.length === 0) return { sent: 0 };
  const message = await commitMessage(store, commit);
  const failures: string[] = [];
  let sent = 0;
  for (const target of targets) {
    const parsed = ownerTarget(target);
    if (!parsed) {
      log().warn('sync subscriber target skipped: not slack:, email: or webhook:', { target });
      continue;
    }
    try {
      await deps.notify({ key: `sync/${commit.documentId}/${commit.commitId}/${target}`, target: parsed, message });
      sent++;
    } catch (err) {
      failures.push(`${target}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`sync notification not delivered to ${failures.join('; ')}`);
  return { sent };
}

async function commitMessage(store: SyncStore, commit: SyncCommit): Promise<NotificationMessage> {
  const after = await contentOf(store, commit.contentHash);
  const parent = commit.parents[0] === undefined ? undefined : await store.commit(commit.documentId, commit.parents[0]);
  const changes = parent
    ? readableChanges(await contentOf(store, parent.contentHash), after, commit.kind)
    : ['(root): added (first commit)'];
  const shownChanges = changes.slice(0, MAX_CHANGE_LINES);
  if (changes.length > shownChanges.length) shownChanges.push(`… and ${changes.length - shownChanges.length} more`);
  const { added, removed, changed } = commit.stats;
  const what = commit.revertOf
    ? `reverted to ${short(commit.revertOf)}`
    : commit.parents.length > 1
      ? `merged onto ${short(commit.parents[0]!)}`
      : 'committed';
  return {
    title: `${commit.documentId}: ${firstLine(commit.message)}`.slice(0, 150),
    text: [`${commit.author} ${what} ${short(commit.commitId)} (${commit.kind})`, ...shownChanges].join('\n'),
    fields: [
      ['Document', commit.documentId],
      ['Commit', commit.commitId],
      ['Author', commit.author],
      ['Changes', `${added} added, ${removed} removed, ${changed} changed`],
    ],
  };
}

async function contentOf(store: SyncStore, hash: string): Promise<JsonValue> {
  const found = await store.content(hash);
  if (!found) throw new Error(`content ${hash} of a commit is missing from the store`);
  return found.content;
}

function short(commitId: string): string {
  return commitId.slice(0, 12);
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

function log() {
  try {
    return Context.current().log;
  } catch {
    return console;
  }
}
