import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SyncStore } from '../../db/sync-store';
import { contentHash } from '../../domain/sync/content-hash';
import { applyJsonPatch } from '../../domain/sync/json-diff';
import {
  documentSyncWorkflowId,
  type CommitOutcome,
  type CommitRequest,
  type JsonValue,
  type RevertRequest,
  type SyncConfig,
} from '../../domain/sync/sync-types';
import { documentSync } from '../../workflows';
import { commitUpdate, revertUpdate, syncStatusQuery } from '../../workflows/sync/sync-messages';
import type { DocumentSyncRunInput } from '../../workflows/sync/document-sync';
import { ApiError } from '../../client/api/errors';
import { TemporalSyncOperations } from '../../client/api/sync-temporal-operations';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { reachable } from '../support/runtime-imports';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { createTestWorker, testCodecs, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

type Committed = Extract<CommitOutcome, { outcome: 'committed' }>;
type Handle = WorkflowHandle<typeof documentSync>;

const EDITOR = { actor: 'ed-eva', roles: ['editor'] };

describe('documentSync on the time-skipping server (real activities, PGlite)', () => {
  const world = useTimeSkippingWorld();
  const sync = () => new SyncStore(world.store.db);
  let requests = 0;

  /**
   * Runs `work` with the production worker (trusted identities unless `stamped`); the document
   * workflows it started are terminated after (they never end by themselves).
   */
  async function run<T>(
    work: (
      start: (documentId: string, input?: Partial<DocumentSyncRunInput>, workflowId?: string) => Promise<Handle>,
    ) => Promise<T>,
    options: { stamped?: boolean; sync?: SyncConfig } = {},
  ) {
    const taskQueue = uniqueTaskQueue('sync');
    const started: Handle[] = [];
    const worker = await createTestWorker(
      world.env,
      taskQueue,
      { store: world.store, ...(options.sync ? { sync: options.sync } : {}) },
      dataConverterOf(testCodecs(options.stamped ? 'stamped' : 'trusted')),
    );
    try {
      return await worker.runUntil(
        work(async (documentId, input = {}, workflowId = documentSyncWorkflowId(documentId)) => {
          const handle = await world.env.client.workflow.start(documentSync, {
            taskQueue,
            workflowId,
            args: [{ documentId, ...input }],
          });
          started.push(handle);
          return handle;
        }),
      );
    } finally {
      for (const handle of started) await handle.terminate().catch(() => undefined);
    }
  }

  /** Stages `content` as a client does, then sends the `commit` Update (id = request id). */
  async function commit(
    handle: Handle,
    content: JsonValue,
    change: Partial<CommitRequest> & { updateId?: string } = {},
  ): Promise<CommitOutcome> {
    const { contentHash, bytes } = await sync().stageContent(content);
    const { updateId, ...rest } = change;
    const request: CommitRequest = {
      requestId: `req-${++requests}`,
      ...EDITOR,
      kind: 'json',
      contentHash,
      contentBytes: bytes,
      metadata: {},
      message: `change ${requests}`,
      ...rest,
    };
    return handle.executeUpdate(commitUpdate, { args: [request], updateId: updateId ?? request.requestId });
  }

  async function revert(handle: Handle, commitId: string, change: Partial<RevertRequest> = {}): Promise<CommitOutcome> {
    const request: RevertRequest = { requestId: `req-${++requests}`, ...EDITOR, commitId, ...change };
    return handle.executeUpdate(revertUpdate, { args: [request], updateId: request.requestId });
  }

  function committed(outcome: CommitOutcome): Committed {
    expect(outcome.outcome).toBe('committed');
    return outcome as Committed;
  }

  async function contentAt(documentId: string, commitId: string): Promise<JsonValue> {
    return (await sync().show(documentId, commitId))!.content;
  }

  async function auditOf(documentId: string) {
    return (await world.store.audit.list({ limit: 5000 }))
      .filter((event) => event.subject === documentId)
      .map((event) => ({ action: event.action, actor: event.actor, data: event.data as Record<string, unknown> }));
  }

  /** The Update's failure: the validator's or the handler's reason. */
  async function refusalOf(update: Promise<unknown>): Promise<{ message: string; type?: string }> {
    const err = await update.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    return {
      message: cause?.message ?? '',
      ...(cause instanceof ApplicationFailure ? { type: cause.type ?? '' } : {}),
    };
  }

  it('first commit, then a fast-forward: head moves, both audited as sync.committed, status and store agree', async () => {
    const documentId = 'doc-first';
    await run(async (start) => {
      const handle = await start(documentId);
      const first = committed(await commit(handle, { a: 1, b: 1 }, { message: 'first' }));
      expect(first).toMatchObject({ documentId, parents: [], merged: false });
      const second = committed(await commit(handle, { a: 2, b: 1 }, { parent: first.commitId, message: 'second' }));
      expect(second).toMatchObject({
        parents: [first.commitId],
        merged: false,
        stats: { added: 0, removed: 0, changed: 1 },
      });

      const status = await handle.query(syncStatusQuery);
      expect(status).toMatchObject({
        documentId,
        kind: 'json',
        head: second.commitId,
        commits: 2,
        pending: 0,
        refused: [],
      });
      expect(status.recent.map((entry) => entry.commitId)).toEqual([second.commitId, first.commitId]);
      expect(await sync().head(documentId)).toBe(second.commitId);
      expect(await contentAt(documentId, second.commitId)).toEqual({ a: 2, b: 1 });
      expect(await auditOf(documentId)).toEqual([
        {
          action: 'sync.committed',
          actor: 'ed-eva',
          data: { commitId: first.commitId, parents: [], stats: first.stats, message: 'first', merged: false },
        },
        {
          action: 'sync.committed',
          actor: 'ed-eva',
          data: {
            commitId: second.commitId,
            parents: [first.commitId],
            stats: second.stats,
            message: 'second',
            merged: false,
          },
        },
      ]);
    });
  });

  it('merges a stale parent whose change is disjoint (two parents), and answers a conflict with the head and the paths', async () => {
    const documentId = 'doc-merge';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = committed(await commit(handle, { a: 1, b: 1, c: 1 }));
      const ours = committed(await commit(handle, { a: 2, b: 1, c: 1 }, { parent: base.commitId }));
      // Based on `base`, touching only b: merged onto `ours`.
      const merged = committed(await commit(handle, { a: 1, b: 2, c: 1 }, { parent: base.commitId }));
      expect(merged).toMatchObject({ parents: [ours.commitId, base.commitId], merged: true });
      expect(await contentAt(documentId, merged.commitId)).toEqual({ a: 2, b: 2, c: 1 });

      // Based on `base` again, touching a, which `ours` changed too: a conflict, nothing committed.
      const conflict = await commit(handle, { a: 3, b: 1, c: 1 }, { parent: base.commitId, requestId: 'clash' });
      expect(conflict).toEqual({ outcome: 'conflict', documentId, head: merged.commitId, paths: ['a'] });
      const status = await handle.query(syncStatusQuery);
      expect(status).toMatchObject({ head: merged.commitId, commits: 3 });
      expect(status.refused).toEqual([
        { requestId: 'clash', author: 'ed-eva', at: expect.any(String), outcome: 'conflict', reasons: ['conflict: a'] },
      ]);
      expect(await sync().head(documentId)).toBe(merged.commitId);
      expect((await auditOf(documentId)).at(-1)).toEqual({
        action: 'sync.conflict',
        actor: 'ed-eva',
        data: { requestId: 'clash', head: merged.commitId, paths: ['a'] },
      });
    });
  });

  it('a hook that denies: the reasons answered and recorded in refused, nothing committed, audited as sync.denied', async () => {
    const documentId = 'guarded-doc';
    const hook = await startDenyingHook();
    await sync().addHook({
      hookId: 'deny-guarded',
      url: hook.url,
      secret: 'hook-secret-0123456789',
      kinds: [],
      documents: 'guarded-*',
      timeoutMs: 5_000,
      order: 1,
      createdBy: 'admin-ada',
    });
    try {
      await run(async (start) => {
        const handle = await start(documentId);
        const denied = await commit(handle, { a: 1 }, { requestId: 'denied-1' });
        expect(denied).toMatchObject({
          outcome: 'denied',
          documentId,
          reasons: ['deny-guarded: no ticket in the message'],
          verdicts: [
            { hook: 'schema', allowed: true },
            { hook: 'deny-guarded', allowed: false, reasons: ['no ticket in the message'] },
          ],
        });
        expect(hook.calls).toBe(1);
        const status = await handle.query(syncStatusQuery);
        expect(status).toMatchObject({ commits: 0, recent: [] });
        expect(status.head).toBeUndefined();
        expect(status.refused).toEqual([
          {
            requestId: 'denied-1',
            author: 'ed-eva',
            at: expect.any(String),
            outcome: 'denied',
            reasons: ['deny-guarded: no ticket in the message'],
          },
        ]);
        expect(await sync().head(documentId)).toBeUndefined();
        expect((await auditOf(documentId)).map((event) => event.action)).toEqual(['sync.denied']);
      });
    } finally {
      await sync().removeHook('deny-guarded');
      await hook.close();
    }
  });

  it('the validator refuses an unverified sender and a writer without editor or admin; nothing enters history', async () => {
    const documentId = 'doc-validator';
    // Identities as with real auth: the worker believes only messages stamped by an arxflow process.
    const arxflow = new Client({
      connection: world.env.connection,
      dataConverter: dataConverterOf(testCodecs('stamped')),
    });
    await run(
      async (start) => {
        const handle = await start(documentId);
        const stamped = arxflow.workflow.getHandle<typeof documentSync>(handle.workflowId);
        // Sent by a client without arxflow's keys (as anyone with access to Temporal could): not believed.
        const unverified = await refusalOf(commit(handle, { a: 1 }));
        expect(unverified.message).toBe(
          'ed-eva: identity not verified (no valid stamp from the gateway or the codec server); nothing was done',
        );
        const viewer = await refusalOf(commit(stamped, { a: 1 }, { actor: 'vic', roles: ['viewer'] }));
        expect(viewer.message).toBe(`vic may not commit to ${documentId}: role editor or admin needed`);
        expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 0, refused: [] });

        // Stamped: an admin may commit; a revert by a viewer is refused like a commit.
        const first = committed(await commit(stamped, { a: 1 }, { actor: 'root', roles: ['admin'] }));
        const revertRefused = await refusalOf(revert(stamped, first.commitId, { actor: 'vic', roles: ['viewer'] }));
        expect(revertRefused.message).toBe(`vic may not revert ${documentId}: role editor or admin needed`);

        const history = (await handle.fetchHistory()).events ?? [];
        const updates = history.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
        expect(updates).toHaveLength(1); // only the admin's commit was accepted
        expect(await sync().head(documentId)).toBe(first.commitId);
      },
      { stamped: true },
    );
  });

  it('a change the activities refuse (content never staged) fails its Update naming it, and the next change goes on', async () => {
    const documentId = 'doc-unstaged';
    await run(async (start) => {
      const handle = await start(documentId);
      const request: CommitRequest = {
        requestId: 'unstaged',
        ...EDITOR,
        kind: 'json',
        contentHash: 'f'.repeat(64),
        contentBytes: 10,
        metadata: {},
        message: 'nothing staged',
      };
      const failure = await refusalOf(handle.executeUpdate(commitUpdate, { args: [request], updateId: 'unstaged' }));
      expect(failure).toEqual({ type: 'SyncInputError', message: expect.stringContaining('f'.repeat(64)) });
      committed(await commit(handle, { a: 1 }));
      expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 1 });
    });
  });

  it('an activity that keeps failing fails the Update as SyncUnavailable, which the API answers 503 (retry later, also under the same request id), not 422', async () => {
    const documentId = 'doc-store-failing';
    const content = { a: 'unreadable' };
    // A content row the activity cannot read: each attempt fails as a store that keeps failing would.
    await world.store.db.query('INSERT INTO sync_contents (hash, canonical, bytes) VALUES ($1, $2, $3)', [
      contentHash(content),
      'not json',
      8,
    ]);
    await run(async (start) => {
      const handle = await start(documentId);
      const operations = new TemporalSyncOperations({
        client: world.env.client,
        taskQueue: 'unused (the document workflow runs)',
        store: sync(),
      });
      const editor = { subject: 'ed-eva', roles: ['editor'] };
      const body = { kind: 'json' as const, content, message: 'unreadable', requestId: 'retry-after-503' };
      const failure = await operations.commit(documentId, body, editor).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(ApiError);
      expect(failure).toMatchObject({ status: 503, code: 'unavailable' });
      expect((failure as ApiError).message).toMatch(/^could not prepare the change: /);
      // Nothing entered the history, and the document takes the next change.
      expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 0, refused: [] });
      const next = committed(await commit(handle, { a: 'readable' }));
      // The store "is back" (the row readable): the same request id, sent again, runs again and
      // commits, rather than being answered the 503 its first Update failed with.
      await world.store.db.transaction(async (tx) => {
        await tx.exec('ALTER TABLE sync_contents DISABLE TRIGGER sync_contents_no_change');
        await tx.query('UPDATE sync_contents SET canonical = $2 WHERE hash = $1', [
          contentHash(content),
          '{"a":"unreadable"}',
        ]);
        await tx.exec('ALTER TABLE sync_contents ENABLE TRIGGER sync_contents_no_change');
      });
      const retried = await operations.commit(documentId, { ...body, parent: next.commitId }, editor);
      expect(retried).toMatchObject({ outcome: 'committed', parents: [next.commitId] });
      expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 2 });
    });
  });

  it('revert restores an earlier version as a new commit on head; reverting to the version the revert undid restores it', async () => {
    const documentId = 'doc-revert';
    await run(async (start) => {
      const handle = await start(documentId);
      const v1 = committed(await commit(handle, { title: 'v1', n: 1 }, { message: 'version one' }));
      const v2 = committed(await commit(handle, { title: 'v2', n: 2 }, { parent: v1.commitId }));
      const reverted = committed(await revert(handle, v1.commitId));
      expect(reverted).toMatchObject({ parents: [v2.commitId], merged: false });
      expect(await contentAt(documentId, reverted.commitId)).toEqual({ title: 'v1', n: 1 });
      const row = await sync().commit(documentId, reverted.commitId);
      expect(row).toMatchObject({ revertOf: v1.commitId, message: 'Revert "version one"' });

      const restored = committed(await revert(handle, v2.commitId, { message: 'back to two' }));
      expect(restored.parents).toEqual([reverted.commitId]);
      expect(await contentAt(documentId, restored.commitId)).toEqual({ title: 'v2', n: 2 });
      expect(await sync().commit(documentId, restored.commitId)).toMatchObject({ revertOf: v2.commitId });
      // History is never rewritten: four commits, newest first.
      expect((await handle.query(syncStatusQuery)).recent.map((entry) => entry.commitId)).toEqual([
        restored.commitId,
        reverted.commitId,
        v2.commitId,
        v1.commitId,
      ]);
      expect((await auditOf(documentId)).at(-2)?.data).toMatchObject({ revertOf: v1.commitId });
    });
  });

  it('a repeated request id gets its first answer (same Update id, another Update id, at the same time); one commit', async () => {
    const documentId = 'doc-idempotent';
    await run(async (start) => {
      const handle = await start(documentId);
      const first = committed(await commit(handle, { a: 1 }, { requestId: 'once' }));
      expect(await commit(handle, { a: 1 }, { requestId: 'once' })).toEqual(first);
      // A client that lost the answer and retries under another Update id: the stored answer, not a second commit.
      expect(await commit(handle, { a: 1 }, { requestId: 'once', updateId: 'once-retry' })).toEqual(first);
      // Two sends of one request racing each other: one commit, one answer.
      const [a, b] = await Promise.all([
        commit(handle, { a: 2 }, { requestId: 'twice', parent: first.commitId }),
        commit(handle, { a: 2 }, { requestId: 'twice', parent: first.commitId, updateId: 'twice-again' }),
      ]);
      expect(b).toEqual(a);
      expect(committed(a).parents).toEqual([first.commitId]);
      expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 2, head: committed(a).commitId });
      const rows = await world.store.db.query('SELECT commit_id FROM sync_commits WHERE document_id = $1', [
        documentId,
      ]);
      expect(rows).toHaveLength(2);
    });
  });

  it('a change waits its turn: while one is in its hooks the later ones are pending, then each runs in arrival order', async () => {
    const documentId = 'fifo-doc';
    const hook = await startHoldingHook();
    await sync().addHook({
      hookId: 'hold-fifo',
      url: hook.url,
      secret: 'hook-secret-0123456789',
      kinds: [],
      documents: 'fifo-*',
      timeoutMs: 60_000,
      order: 1,
      createdBy: 'admin-ada',
    });
    try {
      await run(async (start) => {
        const handle = await start(documentId);
        const base = committed(await commit(handle, { base: 1 }));
        hook.hold();
        const held = commit(handle, { base: 1, k0: 0 }, { parent: base.commitId });
        await until('the change in its hook', () => hook.waiting);
        // Each next change is sent once the one before it waits its turn: their arrival order is known.
        const later: Promise<CommitOutcome>[] = [];
        for (let i = 1; i <= 3; i++) {
          later.push(commit(handle, { base: 1, [`k${i}`]: i }, { parent: base.commitId }));
          await until(`change ${i} pending`, async () => (await handle.query(syncStatusQuery)).pending === i);
        }
        expect(hook.calls).toBe(2); // the base's and the held change's: nobody overtook it
        hook.release();
        const chain = [committed(await held), ...(await Promise.all(later)).map(committed)];
        expect(chain[0]!.parents).toEqual([base.commitId]);
        for (let i = 1; i < chain.length; i++)
          expect(chain[i]!.parents).toEqual([chain[i - 1]!.commitId, base.commitId]); // merged onto the one before
        expect(await handle.query(syncStatusQuery)).toMatchObject({ pending: 0, head: chain.at(-1)!.commitId });
      });
    } finally {
      await sync().removeHook('hold-fifo');
      await hook.close();
    }
  });

  it('serialises 20 concurrent changes on one parent: each in its turn, the later ones merged, no change lost', async () => {
    const documentId = 'doc-concurrent';
    await run(async (start) => {
      const handle = await start(documentId);
      const base = committed(await commit(handle, { base: true }));
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          commit(handle, { base: true, [`k${i}`]: i }, { parent: base.commitId, requestId: `concurrent-${i}` }),
        ),
      );
      const commits = outcomes.map(committed);
      // Exactly one fast-forward (the first in line), the other 19 merged onto the head before them.
      expect(commits.filter((outcome) => !outcome.merged)).toHaveLength(1);
      expect(commits.filter((outcome) => outcome.merged).every((outcome) => outcome.parents[1] === base.commitId)).toBe(
        true,
      );
      // One chain: each commit's first parent is the one processed before it.
      const byFirstParent = new Map(commits.map((outcome) => [outcome.parents[0]!, outcome.commitId]));
      const chain = [base.commitId];
      while (byFirstParent.has(chain.at(-1)!)) chain.push(byFirstParent.get(chain.at(-1)!)!);
      expect(chain).toHaveLength(21);
      const status = await handle.query(syncStatusQuery);
      expect(status).toMatchObject({ head: chain.at(-1), commits: 21, pending: 0 });
      const content = (await contentAt(documentId, status.head!)) as Record<string, JsonValue>;
      expect(content).toEqual({
        base: true,
        ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      });
      // The audit chain has them in the order they were processed.
      const audited = (await auditOf(documentId)).map((event) => event.data.commitId);
      expect(audited).toEqual(chain);
    });
  });

  it('subscribers hear of each commit after its writer was answered: a channel that is down holds no change, and each commit is told once when it is back', async () => {
    const documentId = 'doc-notified';
    const receiver = await startWebhookReceiver();
    receiver.down('/plans');
    const config: SyncConfig = {
      subscribers: [{ kinds: ['json'], documents: documentId, targets: [`webhook:${receiver.url}/plans`] }],
      maxContentBytes: 1024 * 1024,
    };
    try {
      await run(
        async (start) => {
          const handle = await start(documentId);
          let head = committed(await commit(handle, { n: 1 })).commitId;
          await until('a first failed delivery', () => receiver.to('/plans').length > 0);
          // The channel is down and its first commit's notification keeps failing: the next changes go on.
          const later = [];
          for (let n = 2; n <= 3; n++) {
            head = committed(await commit(handle, { n }, { parent: head })).commitId;
            later.push(head);
          }
          expect(receiver.to('/plans').every((request) => request.answered === 503)).toBe(true);
          receiver.recover('/plans');
          const told = async () =>
            receiver
              .to('/plans')
              .filter((request) => request.answered === 200)
              .map((request) => request.delivery);
          await until('every commit told', async () => (await told()).length >= 3);
          const status = await handle.query(syncStatusQuery);
          const commits = status.recent.map((entry) => entry.commitId).reverse();
          expect(await told()).toEqual(
            commits.map((commitId) => `sync/${documentId}/${commitId}/webhook:${receiver.url}/plans`),
          );
          expect(commits.slice(1)).toEqual(later);
        },
        { sync: config },
      );
    } finally {
      await receiver.close();
    }
  });

  it('a change of megabytes never travels through the workflow: a ~4 MB document, then most of it replaced (a patch over 2 MB), commits', async () => {
    const documentId = 'doc-large';
    await run(async (start) => {
      const handle = await start(documentId);
      const original = bulky(4_000);
      const first = committed(await commit(handle, original, { message: 'the whole survey' }));
      const edited = { ...original, ...bulky(3_000) }; // three quarters of the values replaced
      const second = committed(await commit(handle, edited, { parent: first.commitId, message: 'resurveyed' }));
      expect(second).toMatchObject({ parents: [first.commitId], stats: { added: 0, removed: 0, changed: 3_000 } });
      expect(await contentAt(documentId, second.commitId)).toEqual(edited);
      const row = await sync().commit(documentId, second.commitId);
      expect(Buffer.byteLength(JSON.stringify(row!.patch))).toBeGreaterThan(2 * 1024 * 1024);
      expect(applyJsonPatch(original, row!.patch)).toEqual(edited);
      // Hashes and ids only: no event of the run carries a document or its patch.
      const events = (await handle.fetchHistory()).events ?? [];
      const largest = Math.max(...events.map((event) => JSON.stringify(event).length));
      expect(largest).toBeLessThan(64 * 1024);
    });
  });

  it('a malformed start fails the run at once as InvalidInput naming the field, and so does a start under another id than sync/<documentId>', async () => {
    /** The run's failure (it must fail, non-retryable). */
    const failureOf = async (handle: Handle) => {
      const err = await handle.result().then(
        () => undefined,
        (failure: { cause?: unknown }) => failure.cause,
      );
      expect(err).toBeInstanceOf(ApplicationFailure);
      const cause = err as ApplicationFailure;
      expect([cause.type, cause.nonRetryable]).toEqual(['InvalidInput', true]);
      return cause.message;
    };
    await run(async (start) => {
      const malformed = (input: unknown) => start('doc-malformed', input as Partial<DocumentSyncRunInput>);
      expect(await failureOf(await malformed({ options: { commitsPerRun: 0 } }))).toMatch(
        /^documentSync input: options\.commitsPerRun: /,
      );
      expect(await failureOf(await malformed({ ownerId: 'x' }))).toBe('documentSync input: ownerId: unknown field');
      const carried = { commits: -1, recent: [], refused: [], answered: [] };
      expect(await failureOf(await malformed({ carried }))).toMatch(/^documentSync input: carried\.commits: /);
      expect(await failureOf(await malformed({ unannounced: ['not a commit id'] }))).toMatch(
        /^documentSync input: unannounced\.0: /,
      );
      expect(await failureOf(await start('../other', {}, 'sync/../other'))).toMatch(
        /^documentSync input: documentId: /,
      );

      // A second history of a document under another id would not be serialised with the first.
      const elsewhere = await start('doc-a', {}, 'sync/doc-b');
      expect(await failureOf(elsewhere)).toBe(
        "documentSync input: documentId: the workflow id is sync/doc-b, not sync/doc-a: a document's history runs as sync/<documentId>",
      );
      expect(await sync().head('doc-a')).toBeUndefined();
    });
  });

  describe('commits waiting to be announced while a channel is down: a run keeps the newest', () => {
    const documentId = (name: string) => `doc-unannounced-${name}`;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      receiver = await startWebhookReceiver();
      receiver.down('/plans'); // notifications keep failing while the commits go on
    });
    afterEach(async () => {
      await receiver.close();
    });
    const configOf = (document: string): SyncConfig => ({
      subscribers: [{ kinds: ['json'], documents: document, targets: [`webhook:${receiver.url}/plans`] }],
      maxContentBytes: 1024 * 1024,
    });
    const told = () =>
      receiver
        .to('/plans')
        .filter((request) => request.answered === 200)
        .map((request) => request.delivery?.split('/')[2]);

    it('the one being sent and the newest are kept, the others dropped with a warning and counted in the view', async () => {
      const document = documentId('push');
      await run(
        async (start) => {
          const handle = await start(document, { options: { maxUnannounced: 3 } });
          const commits = [committed(await commit(handle, { n: 1 })).commitId];
          await until('a first failed delivery', () => receiver.to('/plans').length > 0);
          for (let n = 2; n <= 4; n++)
            commits.push(committed(await commit(handle, { n }, { parent: commits.at(-1) })).commitId);
          // Waiting: the first (being sent), then the two newest; the second was dropped.
          expect(await handle.query(syncStatusQuery)).toMatchObject({ commits: 4, unannouncedDropped: 1 });
          receiver.recover('/plans');
          await until('the kept commits told', () => told().length >= 3);
          expect(told()).toEqual([commits[0], commits[2], commits[3]]);
        },
        { sync: configOf(document) },
      );
    });

    it('a run started with more than it keeps (carried by continue-as-new) keeps the newest and adds the rest to the count', async () => {
      const document = documentId('carried');
      await run(
        async (start) => {
          const first = await start(document);
          const commits = [committed(await commit(first, { n: 1 })).commitId];
          for (let n = 2; n <= 3; n++)
            commits.push(committed(await commit(first, { n }, { parent: commits.at(-1) })).commitId);
          await first.terminate();
          const next = await start(document, {
            unannounced: commits,
            unannouncedDropped: 4,
            options: { maxUnannounced: 2 },
          });
          expect(await next.query(syncStatusQuery)).toMatchObject({ unannouncedDropped: 5 });
          receiver.recover('/plans');
          await until('the kept commits told', () => told().length >= 2);
          expect(told()).toEqual([commits[1], commits[2]]);
        },
        { sync: configOf(document) },
      );
    });
  });

  it('continues as new after N commits: head, count, answers and unannounced commits carried; a repeated request id after the boundary is answered, not applied', async () => {
    const documentId = 'doc-continued';
    const receiver = await startWebhookReceiver();
    receiver.down('/plans'); // the notifications of the first run cannot land before it continues as new
    const config: SyncConfig = {
      subscribers: [{ kinds: ['json'], documents: documentId, targets: [`webhook:${receiver.url}/plans`] }],
      maxContentBytes: 1024 * 1024,
    };
    try {
      await run(
        async (start) => {
          const handle = await start(documentId, { options: { commitsPerRun: 3 } });
          const firstRun = (await handle.describe()).runId;
          const first = committed(await commit(handle, { n: 1 }, { requestId: 'can-1' }));
          const commits = [first.commitId];
          for (let n = 2; n <= 4; n++)
            commits.push(committed(await commit(handle, { n }, { parent: commits.at(-1) })).commitId);

          const description = await handle.describe();
          expect(description.runId).not.toBe(firstRun);
          expect(description.status.name).toBe('RUNNING');
          expect(await handle.query(syncStatusQuery)).toMatchObject({ head: commits.at(-1), commits: 4, kind: 'json' });
          expect(await commit(handle, { n: 1 }, { requestId: 'can-1' })).toEqual(first);
          const rows = await world.store.db.query('SELECT commit_id FROM sync_commits WHERE document_id = $1', [
            documentId,
          ]);
          expect(rows).toHaveLength(4);
          // The next change builds on the carried head.
          const fifth = committed(await commit(handle, { n: 5 }, { parent: commits.at(-1) }));
          expect(fifth.parents).toEqual([commits.at(-1)]);
          commits.push(fifth.commitId);

          // The channel is back: every commit is told once, those of the first run too.
          receiver.recover('/plans');
          const told = () =>
            receiver
              .to('/plans')
              .filter((request) => request.answered === 200)
              .map((request) => request.delivery);
          await until('every commit told', () => told().length >= commits.length);
          expect(told()).toEqual(
            commits.map((commitId) => `sync/${documentId}/${commitId}/webhook:${receiver.url}/plans`),
          );
        },
        { sync: config },
      );
    } finally {
      await receiver.close();
    }
  });
});

describe('modules the documentSync workflow loads', () => {
  it('only domain and workflow files, zod and the Temporal SDK (hashing and diffs stay in activities)', () => {
    const modules = [...reachable('workflows/sync/document-sync.ts').keys()];
    const libraries = modules.filter((module) => !module.startsWith('domain/') && !module.startsWith('workflows/'));
    expect(libraries.filter((library) => !['zod', '@temporalio/workflow'].includes(library))).toEqual([]);
    expect(modules).not.toContain('domain/sync/content-hash.ts');
  });
});

/** `count` keys of 1 KB random text each (`k0`, `k1`...): they neither compress nor diff to anything but replaces. */
function bulky(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, randomBytes(512).toString('hex')]));
}

/** Polls `check` (real time: retries of a failed delivery back off for seconds) for up to a minute. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 60_000; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An external validation hook that allows every change; after `hold()` the next request waits for `release()`. */
async function startHoldingHook() {
  let calls = 0;
  let armed = false;
  let waiting = false;
  let release = () => undefined as void;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls += 1;
      const answer = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ allow: true }));
      if (!armed) return answer();
      armed = false;
      waiting = true;
      release = () => {
        waiting = false;
        answer();
      };
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`,
    get calls() {
      return calls;
    },
    /** A request is being held. */
    get waiting() {
      return waiting;
    },
    hold: () => void (armed = true),
    release: () => release(),
    close: async () => {
      if (waiting) release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An external validation hook that denies every change (signatures are checked in sync-hooks.test.ts). */
async function startDenyingHook() {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls += 1;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ allow: false, reasons: ['no ticket in the message'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`,
    get calls() {
      return calls;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
