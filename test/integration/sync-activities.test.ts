import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { slackClient, smtpTransport } from '../../activities/notifications/channels';
import { createNotificationActivities } from '../../activities/notifications/deliver';
import { createSyncActivities } from '../../activities/sync';
import type {
  PrepareCommitInput,
  PreparedCommit,
  SyncActivities,
  SyncCommitSummary,
} from '../../activities/sync/sync-activity-types';
import { openStore, type Store } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import { commitIdOf } from '../../domain/sync/content-hash';
import { applyJsonPatch } from '../../domain/sync/json-diff';
import type { JsonValue, SyncConfig, SyncLogEntry } from '../../domain/sync/sync-types';
import { activityFailureOf } from '../support/activity-failure';
import { startSlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { syncBudget, syncBudgetVersion } from '../fixtures/sync-documents';

const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** Valid budgets of at most 4 lines: far under the 2,000-byte limit the activities below are configured with. */
const budgetVersion = (): fc.Arbitrary<JsonValue> => syncBudgetVersion(4);

describe('sync activities (PGlite store, MockActivityEnvironment)', () => {
  let store: Store;
  let sync: SyncStore;
  let activities: SyncActivities;

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    sync = new SyncStore(store.db);
    activities = createSyncActivities({ store, config: { subscribers: [], maxContentBytes: 2_000 } });
  });
  afterAll(async () => {
    await store?.close();
  });

  let clock = Date.parse('2025-06-01T08:00:00Z');
  /** Workflow time: a new instant per change, as the workflow would give. */
  const at = () => new Date((clock += 60_000)).toISOString();

  const prepare = (input: PrepareCommitInput): Promise<PreparedCommit> =>
    env().run(activities.prepareSyncCommit, input);
  const write = (commit: SyncCommitSummary, expectedHead: string | null): Promise<SyncCommitSummary> =>
    env().run(activities.writeSyncCommit, { documentId: commit.documentId, commitId: commit.commitId, expectedHead });
  /** The patches prepareSyncCommit stored with the commit row (the workflow never carries them). */
  const patchesOf = async (commit: SyncCommitSummary) => {
    const row = await sync.commit(commit.documentId, commit.commitId);
    if (!row) throw new Error(`commit ${commit.commitId} has no row`);
    return { patch: row.patch, metadataPatch: row.metadataPatch };
  };

  /** A change of `content` by `author` based on `parent`, prepared against `head`. */
  async function changeOf(
    documentId: string,
    content: JsonValue,
    options: { head: string | null; parent?: string; metadata?: JsonValue; message?: string; author?: string },
  ): Promise<PrepareCommitInput> {
    const { contentHash } = await sync.stageContent(content);
    return {
      documentId,
      kind: 'budget',
      head: options.head,
      ...(options.parent === undefined ? {} : { parent: options.parent }),
      contentHash,
      metadata: options.metadata ?? { tool: 'estimator' },
      author: options.author ?? 'ana',
      message: options.message ?? 'edit',
      at: at(),
    };
  }

  /** Prepares and writes a change that must be a plain or merge commit. */
  async function commit(input: PrepareCommitInput): Promise<SyncCommitSummary> {
    const prepared = await prepare(input);
    if (prepared.kind !== 'commit') throw new Error(`expected a commit, got ${JSON.stringify(prepared)}`);
    return write(prepared.commit, input.head);
  }

  /** Reverts a budget document to `target` on `head` and writes it (a revert takes the target's content). */
  const revertTo = (documentId: string, target: string, head: string): Promise<SyncCommitSummary> =>
    commit({
      documentId,
      kind: 'budget',
      head,
      contentHash: 'ignored for a revert',
      metadata: null,
      author: 'ana',
      message: `Revert ${target}`,
      at: at(),
      revertOf: target,
    });

  const budgetWith = (amounts: Record<string, number>) => {
    const budget = syncBudget(3);
    for (const line of budget.lines as { id: string; amountCents: number }[]) {
      if (amounts[line.id] !== undefined) line.amountCents = amounts[line.id]!;
    }
    return budget;
  };

  it('prepares a first commit and a fast-forward, with the contract commit id and a patch that reproduces the content', async () => {
    const documentId = `site-${randomUUID()}`;
    const firstInput = await changeOf(documentId, syncBudget(3), { head: null, message: 'first estimate' });
    const first = await prepare(firstInput);
    expect(first).toMatchObject({ kind: 'commit', merged: false });
    if (first.kind !== 'commit') return;
    expect(first.commit).toMatchObject({ parents: [], author: 'ana', documentId });
    expect(first.commit.stats.added).toBeGreaterThan(0);
    expect(first.commit.commitId).toBe(commitIdOf(first.commit));
    // The patches stay in the commit row (a patch can be megabytes): the workflow gets neither.
    expect(first.commit).not.toHaveProperty('patch');
    expect(first.commit).not.toHaveProperty('metadataPatch');
    expect(await patchesOf(first.commit)).toEqual({ patch: [], metadataPatch: [] });
    // Prepared is not committed: the row is out of the history until head moves onto it.
    expect(await sync.isAncestor(documentId, first.commit.commitId)).toBe(false);
    expect(await sync.show(documentId, first.commit.commitId)).toBeUndefined();
    expect(await sync.head(documentId)).toBeUndefined();
    // A retried prepare (same workflow time) prepares the same commit.
    expect(await prepare(firstInput)).toEqual(first);
    expect(await write(first.commit, null)).toEqual(first.commit);
    expect(await sync.isAncestor(documentId, first.commit.commitId)).toBe(true);

    const edited = budgetWith({ L2: 25_000 });
    const second = await prepare(
      await changeOf(documentId, edited, {
        head: first.commit.commitId,
        parent: first.commit.commitId,
        metadata: { tool: 'estimator', rev: 2 },
      }),
    );
    if (second.kind !== 'commit') throw new Error('expected a commit');
    expect(second.merged).toBe(false);
    expect(second.commit.parents).toEqual([first.commit.commitId]);
    expect(second.commit.stats).toEqual({ added: 0, removed: 0, changed: 1 });
    const { patch, metadataPatch } = await patchesOf(second.commit);
    expect(applyJsonPatch(syncBudget(3) as unknown as JsonValue, patch)).toEqual(edited);
    expect(applyJsonPatch({ tool: 'estimator' }, metadataPatch)).toEqual({ tool: 'estimator', rev: 2 });
    await write(second.commit, first.commit.commitId);
    expect(await sync.head(documentId)).toBe(second.commit.commitId);
    expect((await sync.show(documentId))?.metadata).toEqual({ tool: 'estimator', rev: 2 });
  });

  it('merges a stale writer whose edit is disjoint from what happened since: two parents, both edits', async () => {
    const documentId = `site-${randomUUID()}`;
    const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
    const theirs = await commit(
      await changeOf(documentId, budgetWith({ L1: 11_000 }), {
        head: base.commitId,
        parent: base.commitId,
        author: 'bo',
      }),
    );
    // Ana edited L3 from the base, not knowing of Bo's commit.
    const prepared = await prepare(
      await changeOf(documentId, budgetWith({ L3: 33_000 }), { head: theirs.commitId, parent: base.commitId }),
    );
    if (prepared.kind !== 'commit') throw new Error(`expected a merge, got ${JSON.stringify(prepared)}`);
    expect(prepared.merged).toBe(true);
    expect(prepared.commit.parents).toEqual([theirs.commitId, base.commitId]);
    const expected = budgetWith({ L1: 11_000, L3: 33_000 });
    expect((await sync.content(prepared.commit.contentHash))?.content).toEqual(expected);
    // The patch is from the head it was merged onto.
    const { patch } = await patchesOf(prepared.commit);
    expect(applyJsonPatch(budgetWith({ L1: 11_000 }) as unknown as JsonValue, patch)).toEqual(expected);
    await write(prepared.commit, theirs.commitId);
    expect((await sync.log(documentId)).entries.map((e) => e.commitId)).toEqual([
      prepared.commit.commitId,
      theirs.commitId,
      base.commitId,
    ]);
  });

  it('answers a conflict naming the paths both sides changed, and writes nothing', async () => {
    const documentId = `site-${randomUUID()}`;
    const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
    const theirs = await commit(
      await changeOf(documentId, budgetWith({ L2: 21_000 }), {
        head: base.commitId,
        parent: base.commitId,
        metadata: { tool: 'spreadsheet' },
      }),
    );
    const prepared = await prepare(
      await changeOf(documentId, budgetWith({ L2: 29_000 }), {
        head: theirs.commitId,
        parent: base.commitId,
        metadata: { tool: 'other' },
      }),
    );
    expect(prepared).toEqual({
      kind: 'conflict',
      head: theirs.commitId,
      paths: ['lines[id=L2].amountCents', 'metadata.tool'],
    });
    expect(await sync.head(documentId)).toBe(theirs.commitId);
    const rows = await store.db.query('SELECT 1 FROM sync_commits WHERE document_id = $1', [documentId]);
    expect(rows).toHaveLength(2);
  });

  it('refuses a parent outside the history (unknown, another document, a commit head never reached) for good', async () => {
    const documentId = `site-${randomUUID()}`;
    const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
    const other = await commit(await changeOf(`site-${randomUUID()}`, syncBudget(2), { head: null }));
    // A prepared commit head never moved onto (denied, or its head move lost): in the store, not in the history.
    const orphan = await prepare(
      await changeOf(documentId, budgetWith({ L1: 1 }), { head: base.commitId, parent: base.commitId }),
    );
    if (orphan.kind !== 'commit') throw new Error('expected a commit');
    expect(await sync.commit(documentId, orphan.commit.commitId)).toMatchObject({ commitId: orphan.commit.commitId });
    for (const parent of ['0'.repeat(64), other.commitId, orphan.commit.commitId]) {
      const failure = await activityFailureOf(
        prepare(await changeOf(documentId, budgetWith({ L1: 2 }), { head: base.commitId, parent })),
      );
      expect(failure.type).toBe('SyncInputError');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toBe(`parent: ${parent} is not in the history of ${documentId}`);
    }
  });

  it('refuses content not staged, over the limit, failing the schema, and a kind other than the document’s', async () => {
    const documentId = `site-${randomUUID()}`;
    const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
    const onHead = { head: base.commitId, parent: base.commitId };
    const refusal = async (input: PrepareCommitInput) => {
      const failure = await activityFailureOf(prepare(input));
      expect([failure.type, failure.nonRetryable]).toEqual(['SyncInputError', true]);
      return failure.message;
    };
    expect(await refusal({ ...(await changeOf(documentId, syncBudget(3), onHead)), contentHash: 'a'.repeat(64) })).toBe(
      `content ${'a'.repeat(64)} is not staged (stage the content, then commit)`,
    );
    expect(await refusal(await changeOf(documentId, syncBudget(40), onHead))).toMatch(
      /^content is \d+ bytes, over the limit of 2000$/,
    );
    expect(await refusal(await changeOf(documentId, { ...syncBudget(1), currency: 'dollars' }, onHead))).toMatch(
      /^content: not a valid budget document: .*currency/,
    );
    expect(await refusal({ ...(await changeOf(documentId, { any: 'json' }, onHead)), kind: 'json' })).toBe(
      `kind: ${documentId} is a budget document, not json`,
    );
  });

  it('reverts to an earlier version as a new commit; a revert of the revert restores', async () => {
    const documentId = `site-${randomUUID()}`;
    const v1 = await commit(await changeOf(documentId, syncBudget(3), { head: null, metadata: { v: 1 } }));
    const v2 = await commit(
      await changeOf(documentId, budgetWith({ L1: 1 }), { head: v1.commitId, parent: v1.commitId, metadata: { v: 2 } }),
    );
    const revert = (target: string, head: string) => revertTo(documentId, target, head);
    const reverted = await revert(v1.commitId, v2.commitId);
    expect(reverted).toMatchObject({ parents: [v2.commitId], revertOf: v1.commitId, contentHash: v1.contentHash });
    expect((await sync.show(documentId))?.metadata).toEqual({ v: 1 });
    const restored = await revert(v2.commitId, reverted.commitId);
    expect(restored.contentHash).toBe(v2.contentHash);
    expect((await sync.show(documentId))?.content).toEqual(budgetWith({ L1: 1 }));
    expect((await sync.log(documentId)).entries).toHaveLength(4);
  });

  // The unit property (test/unit/sync-json-diff.test.ts) only applies diffs forward and back; this
  // one goes through the real revert (revertProposal in prepareSyncCommit, then writeSyncCommit)
  // and the store, for random histories and a random earlier commit.
  it('property: a revert to any earlier commit restores its content and metadata as a new commit on head, and a revert of that revert restores the head before it', async () => {
    /** A revert is a new commit on the head it was made on, head moves onto it, and it shows `to`. */
    const checkRevert = async (
      documentId: string,
      revert: SyncCommitSummary,
      on: { head: SyncCommitSummary; content: JsonValue; metadata: JsonValue; logBefore: SyncLogEntry[] },
      to: { target: SyncCommitSummary; content: JsonValue; metadata: JsonValue },
    ) => {
      // History is never rewritten: a new commit whose only parent is the head it was made on.
      expect(on.logBefore.map((entry) => entry.commitId)).not.toContain(revert.commitId);
      expect(revert).toMatchObject({
        parents: [on.head.commitId],
        revertOf: to.target.commitId,
        contentHash: to.target.contentHash,
        metadataHash: to.target.metadataHash,
      });
      expect(await sync.head(documentId)).toBe(revert.commitId);
      const shown = await sync.show(documentId);
      expect(shown?.content).toEqual(to.content);
      expect(shown?.metadata).toEqual(to.metadata);
      // The stored patches turn the head it was made on into the restored version.
      const { patch, metadataPatch } = await patchesOf(revert);
      expect(applyJsonPatch(on.content, patch)).toEqual(to.content);
      expect(applyJsonPatch(on.metadata, metadataPatch)).toEqual(to.metadata);
      // The log grows by exactly this commit; every earlier entry stays as it was.
      const log = (await sync.log(documentId)).entries;
      expect(log).toEqual([
        {
          commitId: revert.commitId,
          parents: [on.head.commitId],
          author: 'ana',
          message: revert.message,
          at: revert.at,
          stats: revert.stats,
        },
        ...on.logBefore,
      ]);
      return log;
    };

    await fc.assert(
      fc.asyncProperty(fc.array(budgetVersion(), { minLength: 2, maxLength: 5 }), fc.nat(), async (versions, pick) => {
        const documentId = `revert-${randomUUID()}`; // a fresh document per run
        const metadataOf = (i: number): JsonValue => ({ tool: 'estimator', version: i });
        const commits: SyncCommitSummary[] = [];
        for (const [i, content] of versions.entries()) {
          const head = commits.at(-1)?.commitId ?? null;
          const change = await changeOf(documentId, content, {
            head,
            ...(head === null ? {} : { parent: head }),
            metadata: metadataOf(i),
          });
          commits.push(await commit(change));
        }
        const log = (await sync.log(documentId)).entries;
        expect(log.map((entry) => entry.commitId)).toEqual(commits.map((c) => c.commitId).reverse());

        const last = versions.length - 1;
        const t = pick % last; // any commit before head
        const head = commits[last]!;
        const target = commits[t]!;
        const reverted = await revertTo(documentId, target.commitId, head.commitId);
        const afterRevert = await checkRevert(
          documentId,
          reverted,
          { head, content: versions[last]!, metadata: metadataOf(last), logBefore: log },
          { target, content: versions[t]!, metadata: metadataOf(t) },
        );

        // Revert the revert: back to the commit the first revert was made on.
        const restored = await revertTo(documentId, head.commitId, reverted.commitId);
        const afterRestore = await checkRevert(
          documentId,
          restored,
          { head: reverted, content: versions[t]!, metadata: metadataOf(t), logBefore: afterRevert },
          { target: head, content: versions[last]!, metadata: metadataOf(last) },
        );
        expect([afterRevert.length, afterRestore.length]).toEqual([versions.length + 1, versions.length + 2]);
        // The revert of the revert undoes exactly what the revert did.
        expect(restored.stats).toEqual({
          added: reverted.stats.removed,
          removed: reverted.stats.added,
          changed: reverted.stats.changed,
        });
      }),
      { numRuns: 15 },
    );
  });

  it('writes a commit once; a head another writer moved is a final SyncHeadMoved', async () => {
    const documentId = `site-${randomUUID()}`;
    const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
    const a = await prepare(
      await changeOf(documentId, budgetWith({ L1: 5 }), { head: base.commitId, parent: base.commitId }),
    );
    const b = await prepare(
      await changeOf(documentId, budgetWith({ L1: 6 }), { head: base.commitId, parent: base.commitId }),
    );
    if (a.kind !== 'commit' || b.kind !== 'commit') throw new Error('expected commits');
    expect(await write(a.commit, base.commitId)).toEqual(a.commit);
    expect(await write(a.commit, base.commitId)).toEqual(a.commit); // a retry after the write landed
    const failure = await activityFailureOf(write(b.commit, base.commitId));
    expect([failure.type, failure.nonRetryable]).toEqual(['SyncHeadMoved', true]);
    expect(failure.message).toBe(
      `document ${documentId}: head is ${a.commit.commitId}, not the expected ${base.commitId}`,
    );
    expect(await sync.head(documentId)).toBe(a.commit.commitId);
    expect(failure).toBeInstanceOf(ApplicationFailure);
  });

  describe('subscribers', () => {
    let smtp: SmtpTestServer;
    let receiver: WebhookReceiver;
    let notifying: SyncActivities;

    beforeAll(async () => {
      [smtp, receiver] = await Promise.all([startSmtpServer(), startWebhookReceiver()]);
      const config: SyncConfig = {
        maxContentBytes: 100_000,
        subscribers: [
          { kinds: ['budget'], documents: 'site-*', targets: ['email:pm@example.com', `webhook:${receiver.url}/sync`] },
          // The same target twice is told once; a plan subscription hears nothing of budgets.
          { kinds: [], documents: '*', targets: ['email:pm@example.com'] },
          { kinds: ['plan'], documents: '*', targets: ['email:architects@example.com'] },
          { kinds: [], documents: 'annex-*', targets: ['email:annex@example.com'] },
        ],
      };
      const { deliverNotification } = createNotificationActivities({
        store,
        email: { transport: smtpTransport(smtp.url), from: 'arxflow <sync@example.com>' },
      });
      notifying = createSyncActivities({ store, config, notify: deliverNotification });
    });
    afterAll(async () => {
      await Promise.all([smtp?.close(), receiver?.close()]);
    });

    it('tells each matching subscriber once, with a readable diff, even when the activity runs again', async () => {
      const documentId = `site-${randomUUID()}`;
      const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
      const edit = await commit(
        await changeOf(documentId, budgetWith({ L2: 25_000 }), {
          head: base.commitId,
          parent: base.commitId,
          message: 'Raise the roofing line\n\nQuote from the roofer came in higher.',
        }),
      );
      const notify = () => env().run(notifying.notifySyncSubscribers, { documentId, commitId: edit.commitId });
      expect(await notify()).toEqual({ sent: 2 });
      expect(await notify()).toEqual({ sent: 2 }); // a retry: the delivery keys stop a second send

      const mails = smtp.messages().filter((mail) => mail.subject.startsWith(documentId));
      expect(mails.map((mail) => [mail.to, mail.subject])).toEqual([
        [['pm@example.com'], `${documentId}: Raise the roofing line`],
      ]);
      expect(mails[0]!.text).toContain('lines[id=L2].amountCents: 20000 -> 25000');
      expect(mails[0]!.text).toContain(`ana committed ${edit.commitId.slice(0, 12)} (budget)`);
      const hooks = receiver.to('/sync').filter((request) => request.body.toString().includes(edit.commitId));
      expect(hooks).toHaveLength(1);
      expect(hooks[0]!.delivery).toBe(`sync/${documentId}/${edit.commitId}/webhook:${receiver.url}/sync`);
    });

    it('one target down does not stop the others; the retry sends only what is missing', async () => {
      const documentId = `site-${randomUUID()}`;
      const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
      receiver.down('/sync', 503);
      const notify = () => env().run(notifying.notifySyncSubscribers, { documentId, commitId: base.commitId });
      await expect(notify()).rejects.toThrow(/not delivered to webhook:.*answered 503/);
      expect(smtp.messages().filter((mail) => mail.subject.startsWith(documentId))).toHaveLength(1);
      receiver.recover('/sync');
      expect(await notify()).toEqual({ sent: 2 });
      expect(smtp.messages().filter((mail) => mail.subject.startsWith(documentId))).toHaveLength(1);
      const delivered = receiver.to('/sync').filter((r) => r.body.toString().includes(base.commitId));
      expect(delivered.map((r) => r.answered)).toEqual([503, 200]);
    });

    it('a Slack subscriber gets one post with the readable diff (the official client, a local Slack stand-in), also when the activity runs again', async () => {
      const slack = await startSlackApiServer({ token: 'xoxb-sync-test' });
      try {
        const { deliverNotification } = createNotificationActivities({
          store,
          slack: slackClient({ token: 'xoxb-sync-test', apiUrl: slack.apiUrl }),
        });
        const toSlack = createSyncActivities({
          store,
          config: {
            maxContentBytes: 100_000,
            subscribers: [{ kinds: ['budget'], documents: 'slack-*', targets: ['slack:#estimating'] }],
          },
          notify: deliverNotification,
        });
        const documentId = `slack-${randomUUID()}`;
        const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
        const edit = await commit(
          await changeOf(documentId, budgetWith({ L3: 31_000 }), {
            head: base.commitId,
            parent: base.commitId,
            message: 'Line 3 up',
          }),
        );
        const notify = () => env().run(toSlack.notifySyncSubscribers, { documentId, commitId: edit.commitId });
        expect(await notify()).toEqual({ sent: 1 });
        expect(await notify()).toEqual({ sent: 1 }); // a retry: the delivery key stops a second post
        const posts = slack.calls('chat.postMessage');
        expect(posts).toHaveLength(1);
        expect(posts[0]!.params.channel).toBe('#estimating');
        const posted = JSON.stringify(posts[0]!.params);
        expect(posted).toContain(`${documentId}: Line 3 up`);
        expect(posted).toContain('lines[id=L3].amountCents: 30000 -> 31000');
      } finally {
        await slack.close();
      }
    });

    it('another document is told only to the catch-all subscription; an unknown commit is refused', async () => {
      const documentId = `elsewhere-${randomUUID()}`;
      const base = await commit(await changeOf(documentId, syncBudget(3), { head: null }));
      expect(await env().run(notifying.notifySyncSubscribers, { documentId, commitId: base.commitId })).toEqual({
        sent: 1, // the catch-all `*` subscription
      });
      const unknown = await activityFailureOf(
        env().run(notifying.notifySyncSubscribers, { documentId, commitId: 'f'.repeat(64) }),
      );
      expect([unknown.type, unknown.nonRetryable]).toEqual(['SyncInputError', true]);
    });
  });
});
