import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../db/store';
import { storeBackends, type StoreBackend } from '../support/store-backends';
import { GENESIS_HASH } from '../../db/audit-log';
import { migrate } from '../../db/migrate';
import { MIGRATIONS } from '../support/migrations';

// One contract, every backend: PGlite always; PostgreSQL when DATABASE_URL is set (CI
// sets it after starting Debian's postgresql, see .ci/run), in a throwaway schema.
type Backend = StoreBackend;
const backends = storeBackends('store contract');

describe.each(backends)('store contract on %s', (_name, createBackend) => {
  let backend: Backend;
  let store: Store;
  const location = () => backend.location;

  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(location());
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  it('applies migrations once: a reopened database has none pending', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-store-'));
    const persistent = 'inMemory' in location() ? { pgliteDir: path.join(dir, 'pglite') } : location();
    try {
      await (await openStore(persistent)).close();
      const reopened = await openStore(persistent);
      try {
        expect(await migrate(reopened.db)).toEqual([]);
        const rows = await reopened.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
        expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('audit hash chain', () => {
    it('links each event to the one before and verifies', async () => {
      const first = await store.audit.append({
        actor: 'u:ana',
        action: 'gate.opened',
        subject: 'PROJ1/M1',
        data: { amount: 1200, b: [1, { z: 1, a: 2 }] },
      });
      const second = await store.audit.append({
        actor: 'u:bo',
        action: 'gate.approved',
        subject: 'PROJ1/M1',
        workflowId: 'funding-gate/PROJ1/M1',
      });
      expect(first.prevHash).toBe(GENESIS_HASH);
      expect(second.prevHash).toBe(first.hash);
      expect(second.id).toBe(first.id + 1);
      expect(await store.audit.verify()).toEqual({
        ok: true,
        checked: 2,
        anchor: expect.objectContaining({ sequence: second.id, hash: second.hash }),
      });
      const listed = await store.audit.list();
      expect(listed.map((e) => e.hash)).toEqual([first.hash, second.hash]);
      expect(listed[0]!.data).toEqual({ amount: 1200, b: [1, { z: 1, a: 2 }] });
    });

    it('refuses UPDATE and DELETE: the table is append-only', async () => {
      await expect(store.db.query("UPDATE audit_events SET actor = 'mallory'")).rejects.toThrow(/append-only/);
      await expect(store.db.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    });

    it('serialises concurrent appends into one unbroken chain', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.audit.append({ actor: `u:${i}`, action: 'load.test', subject: `s${i}` }),
        ),
      );
      expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 22, anchor: { sequence: 22 } });
    });

    it('detects an edited row even when the append-only trigger was bypassed', async () => {
      await store.db.exec(`
        ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
        UPDATE audit_events SET data = '{"amount": 999999}' WHERE id = 1;
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);
      expect(await store.audit.verify()).toMatchObject({
        ok: false,
        checked: 0,
        brokenAt: 1,
        reason: expect.stringMatching(/edited/),
      });
    });

    it('detects a deleted row in the middle of the chain', async () => {
      await store.db.exec(`
        ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
        DELETE FROM audit_events WHERE id IN (1, 5);
        ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);
      const result = await store.audit.verify();
      expect(result).toMatchObject({ ok: false, brokenAt: 2, reason: 'event 1 is missing' });
    });
  });

  describe('idempotency keys', () => {
    it('runs an effect once per key and returns the stored result after', async () => {
      let runs = 0;
      const effect = async () => ({ run: ++runs });
      const first = await store.idempotency.runOnce('wf-1/step-1', effect);
      const second = await store.idempotency.runOnce('wf-1/step-1', effect);
      expect(first).toEqual({ result: { run: 1 }, firstRun: true });
      expect(second).toEqual({ result: { run: 1 }, firstRun: false });
      expect(runs).toBe(1);
      expect(await store.idempotency.get('wf-1/step-1')).toEqual({ run: 1 });
    });

    it('releases the key when the effect fails, so a retry runs it', async () => {
      await expect(
        store.idempotency.runOnce('wf-1/step-2', async (tx) => {
          await tx.query("INSERT INTO idempotency_keys (key) VALUES ('written-by-failed-effect')");
          throw new Error('provider timeout');
        }),
      ).rejects.toThrow('provider timeout');
      expect(await store.idempotency.get('written-by-failed-effect')).toBeUndefined();
      const retry = await store.idempotency.runOnce('wf-1/step-2', async () => 'paid');
      expect(retry).toEqual({ result: 'paid', firstRun: true });
    });

    it('runs the effect once when the same key races', async () => {
      let runs = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () =>
          store.idempotency.runOnce('wf-1/race', async () => {
            runs += 1;
            await new Promise((resolve) => setTimeout(resolve, 20));
            return 'done';
          }),
        ),
      );
      expect(runs).toBe(1);
      expect(outcomes.filter((o) => o.firstRun)).toHaveLength(1);
      expect(outcomes.every((o) => o.result === 'done')).toBe(true);
    });
  });
});

describe('store start-up errors', () => {
  it('fails fast with a clear error when DATABASE_URL is unreachable', async () => {
    const started = Date.now();
    await expect(openStore({ databaseUrl: 'postgres://arx:secret@127.0.0.1:1/none' })).rejects.toThrow(
      /DATABASE_URL: cannot connect to PostgreSQL at postgres:\/\/arx:\*\*\*@127\.0\.0\.1:1\/none/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
