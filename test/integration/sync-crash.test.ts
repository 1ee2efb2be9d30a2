import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnchorKey } from '../../db/audit-log';
import { openStore } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import {
  documentSyncWorkflowId,
  type CommitOutcome,
  type CommitRequest,
  type JsonValue,
  type SyncConfig,
} from '../../domain/sync/sync-types';
import { documentSync } from '../../workflows';
import { commitUpdate } from '../../workflows/sync/sync-messages';
import { useActivityProcessWorld } from '../support/activity-process-world';

// The worker running a document's activities dies with SIGKILL after the commit was written
// (and its writer answered) while the subscribers are being told: the webhook subscriber holds
// the first delivery. A second worker on the same store finishes the notification (noticed by
// its 10 s heartbeat timeout). Counted where it shows: the commit rows, the audit chain, the
// delivery records and what the subscriber accepted.

const AUDIT_KEY = 'sync-crash-test-audit-key-0123456789abcdef';
const DOCUMENT = 'crash-plan';
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-sync-crash-'));

/** A subscriber's webhook endpoint that holds its first request unanswered (the worker dies meanwhile), then answers 200. */
async function startHoldingSubscriber() {
  const requests: { delivery: string | undefined; accepted: boolean }[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const delivery = req.headers['x-arxflow-delivery'] as string | undefined;
      if (requests.length === 0) {
        requests.push({ delivery, accepted: false });
        held.push(res);
        return;
      }
      requests.push({ delivery, accepted: true });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/commits`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`a document whose worker process is killed between commit and notification (dev server, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  let subscriber: Awaited<ReturnType<typeof startHoldingSubscriber>>;
  const sync: SyncConfig = {
    subscribers: [{ kinds: ['json'], documents: DOCUMENT, targets: [] }],
    maxContentBytes: 1024 * 1024,
  };
  beforeAll(async () => {
    subscriber = await startHoldingSubscriber();
    sync.subscribers[0]!.targets.push(`webhook:${subscriber.url}`);
  });
  // The workflows run here, the activities in worker processes: killing one kills the notification's worker.
  const world = useActivityProcessWorld('sync-crash', { dir, auditKey: AUDIT_KEY, sync });
  // After the world's afterAll (declared first): its worker processes are gone, the store dropped.
  afterAll(async () => {
    await subscriber?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store, opened while no worker process holds it (PGlite on disk: one process at a time). */
  async function withStore<T>(work: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
    const store = await openStore(world.location, { auditKey: new AnchorKey(AUDIT_KEY) });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  it('commits once and tells the subscriber once per commit; the second worker finishes the notification', async () => {
    // Staged as a client does, before any worker process holds the store.
    const [first, second] = await withStore((store) =>
      Promise.all([{ plan: 'v1' }, { plan: 'v2' }].map((content) => new SyncStore(store.db).stageContent(content))),
    );
    const request = (requestId: string, staged: { contentHash: string; bytes: number }, parent?: string) =>
      ({
        requestId,
        actor: 'ed-eva',
        roles: ['editor'],
        kind: 'json',
        ...(parent ? { parent } : {}),
        contentHash: staged.contentHash,
        contentBytes: staged.bytes,
        metadata: {} as JsonValue,
        message: requestId,
      }) satisfies CommitRequest;
    const committed = (outcome: CommitOutcome) => {
      if (outcome.outcome !== 'committed') throw new Error(`not committed: ${JSON.stringify(outcome)}`);
      return outcome.commitId;
    };

    const killed = await world.startWorkerProcess();
    const handle = await world.env.client.workflow.start(documentSync, {
      taskQueue: world.taskQueue,
      workflowId: documentSyncWorkflowId(DOCUMENT),
      args: [{ documentId: DOCUMENT }],
    });
    try {
      // The writer is answered once the commit is written and audited; the notification follows.
      const v1 = committed(await handle.executeUpdate(commitUpdate, { args: [request('v1', first!)], updateId: 'v1' }));
      await until('the notification to reach the subscriber', () => subscriber.requests.length === 1);
      killed.kill('SIGKILL');
      await once(killed, 'exit');

      const survivor = await world.startWorkerProcess();
      await until('the notification on the second worker', () => subscriber.requests.some((r) => r.accepted), 90_000);
      // The document goes on with the second worker.
      const v2 = committed(
        await handle.executeUpdate(commitUpdate, { args: [request('v2', second!, v1)], updateId: 'v2' }),
      );
      await until('the second notification', () => subscriber.requests.filter((r) => r.accepted).length === 2);
      await handle.terminate('test over');
      survivor.kill('SIGTERM');
      await once(survivor, 'exit');

      const key = (commitId: string) => `sync/${DOCUMENT}/${commitId}/webhook:${subscriber.url}`;
      // The held delivery and its retry carry one key (a subscriber may fold them); it accepted one per commit.
      expect(subscriber.requests).toEqual([
        { delivery: key(v1), accepted: false },
        { delivery: key(v1), accepted: true },
        { delivery: key(v2), accepted: true },
      ]);
      await withStore(async (store) => {
        const commits = await store.db.query<{ commit_id: string }>(
          'SELECT commit_id FROM sync_commits WHERE document_id = $1 ORDER BY seq',
          [DOCUMENT],
        );
        expect(commits.map((row) => row.commit_id)).toEqual([v1, v2]);
        expect(await new SyncStore(store.db).head(DOCUMENT)).toBe(v2);
        const deliveries = await store.db.query<{ key: string; channel: string }>(
          `SELECT key, channel FROM notification_deliveries WHERE key LIKE $1 ORDER BY sent_at`,
          [`sync/${DOCUMENT}/%`],
        );
        expect(deliveries).toEqual([
          { key: key(v1), channel: 'webhook' },
          { key: key(v2), channel: 'webhook' },
        ]);
        const audited = (await store.audit.list({ limit: 5000 })).filter((event) => event.subject === DOCUMENT);
        expect(audited.map((event) => [event.action, (event.data as { commitId: string }).commitId])).toEqual([
          ['sync.committed', v1],
          ['sync.committed', v2],
        ]);
      });
    } finally {
      await handle.terminate().catch(() => undefined);
    }
  }, 180_000);
});
