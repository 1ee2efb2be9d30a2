import { AnchorKey, type AuditEntry } from '../../db/audit-log';
import type { KeyedAuditEntry } from '../../db/audit-group-commit';
import { openStore, type Store } from '../../db/store';
import { storeBackends, type StoreBackend } from '../support/store-backends';

// Audit appends that arrive while one is being written share the next transaction: fewer
// statements a caller, the same chain. What must not change: every event exactly once, each
// caller's events together and in order, a caller told of success only once committed, and one
// caller's failure never another's.
const KEY = new AnchorKey('audit-group-commit-test-key-0123456789abcdef');

const caller = (name: string, count: number, data: Record<string, unknown> = {}): KeyedAuditEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    key: `${name}/audit/${index}`,
    entry: { actor: name, action: `step.${index}`, subject: name, data } satisfies AuditEntry,
  }));

describe.each(storeBackends('audit group commit'))('audit group commit on %s', (_name, createBackend) => {
  let backend: StoreBackend;
  let store: Store;

  // One store per backend (opening one is most of a test's time); each test reads back its own callers' events.
  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location, { auditKey: KEY });
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  const eventsOf = async (prefix: string) =>
    (await store.audit.list({ limit: 10_000 })).filter((event) => event.actor.startsWith(prefix));
  const anchorCount = async () =>
    Number((await store.db.query<{ n: string | number }>('SELECT count(*) AS n FROM audit_anchors'))[0]!.n);

  it('writes 40 concurrent callers in fewer transactions than callers, each once, together and in order', async () => {
    const anchorsBefore = await anchorCount();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.auditWrites.appendOnce(caller(`c-${i}`, 3))));

    const events = await eventsOf('c-');
    expect(events).toHaveLength(120);
    for (let i = 0; i < 40; i++) {
      const mine = events.filter((event) => event.actor === `c-${i}`);
      expect(mine.map((event) => event.action)).toEqual(['step.0', 'step.1', 'step.2']);
      expect(mine[2]!.id - mine[0]!.id).toBe(2); // together: no other caller's event between them
    }
    // One anchor per transaction: the first caller alone, the 39 that waited behind it in far fewer.
    const transactions = (await anchorCount()) - anchorsBefore;
    expect(transactions).toBeGreaterThanOrEqual(2);
    expect(transactions).toBeLessThan(40);
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });

  it('appends nothing for keys written before, and a key twice in one batch once', async () => {
    await store.auditWrites.appendOnce(caller('again', 2));
    await Promise.all([
      store.auditWrites.appendOnce(caller('again', 2)),
      store.auditWrites.appendOnce(caller('twice', 2)),
      store.auditWrites.appendOnce(caller('twice', 2)),
    ]);
    const events = [...(await eventsOf('again')), ...(await eventsOf('twice'))];
    expect(events.map((event) => `${event.actor} ${event.action}`)).toEqual([
      'again step.0',
      'again step.1',
      'twice step.0',
      'twice step.1',
    ]);
  });

  it('fails only the caller whose event cannot be written, and leaves its keys free for a retry', async () => {
    await store.auditWrites.appendOnce(caller('first', 1)); // the next three queue behind nothing: start one that holds them
    const blocker = store.auditWrites.appendOnce(caller('blocker', 1));
    const good = store.auditWrites.appendOnce(caller('good', 2));
    // A BigInt cannot be serialised: the shared transaction fails while it is being written.
    const bad = store.auditWrites.appendOnce(caller('bad', 1, { amount: BigInt(1) }));
    const alsoGood = store.auditWrites.appendOnce(caller('also-good', 1));

    await expect(blocker).resolves.toBeUndefined();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow(/BigInt/);
    await expect(alsoGood).resolves.toBeUndefined();

    const isolation = ['first', 'blocker', 'good', 'bad', 'also-good'];
    const actors = async () =>
      (await store.audit.list({ limit: 10_000 }))
        .map((event) => event.actor)
        .filter((actor) => isolation.includes(actor));
    expect(await actors()).toEqual(['first', 'blocker', 'good', 'good', 'also-good']);
    expect(await store.idempotency.get('bad/audit/0')).toBeUndefined();
    await store.auditWrites.appendOnce(caller('bad', 1, { amount: '1' })); // the retry, fixed, is written
    expect((await actors()).at(-1)).toBe('bad');
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });
});
