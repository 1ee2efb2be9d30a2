import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAuditActivities } from '../../activities/audit';
import { AnchorKey, GENESIS_HASH, hashEvent, type AuditEvent } from '../../db/audit-log';
import { openStore, type Store } from '../../db/store';
import type { SqlExecutor } from '../../db/sql';
import { runArxflowInProcess } from '../support/cli-in-process';
import { storeBackends, type StoreBackend } from '../support/store-backends';

// The chain alone shows an edited row and a gap in the middle; the signed anchors (one per
// append, in audit_anchors, HMAC by a key outside the database) also show what an attacker
// who can bypass the append-only triggers does to hide it: delete the newest rows, or
// delete / reorder rows and re-hash the rest of the chain, or edit an anchor.
const KEY = new AnchorKey('audit-anchor-test-key-0123456789abcdef');

/** Bypasses the append-only triggers, as an attacker with table owner rights could. */
async function tamper(store: Store, work: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  await store.db.transaction(async (tx) => {
    await tx.exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
      ALTER TABLE audit_anchors DISABLE TRIGGER audit_anchors_no_update_or_delete;`);
    await work(tx);
    await tx.exec(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;
      ALTER TABLE audit_anchors ENABLE TRIGGER audit_anchors_no_update_or_delete;`);
  });
}

/** Replaces the whole table by `events` renumbered 1..n and re-hashed: a chain that verifies on its own. */
async function rewriteChain(store: Store, change: (events: AuditEvent[]) => AuditEvent[]): Promise<void> {
  const events = change(await store.audit.list({ limit: 5000 }));
  await tamper(store, async (tx) => {
    await tx.query('DELETE FROM audit_events');
    let prevHash = GENESIS_HASH;
    for (const [index, event] of events.entries()) {
      const content = { ...event, id: index + 1, prevHash };
      const hash = hashEvent(content);
      await tx.query(
        `INSERT INTO audit_events (id, at, actor, action, subject, workflow_id, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          content.id,
          content.at.toISOString(),
          content.actor,
          content.action,
          content.subject,
          content.workflowId,
          JSON.stringify(content.data),
          prevHash,
          hash,
        ],
      );
      prevHash = hash;
    }
  });
}

describe.each(storeBackends('audit anchors'))('audit chain anchors on %s', (_name, createBackend) => {
  let backend: StoreBackend;
  let store: Store;

  // One store per backend (opening one is most of a test's time: PGlite runs initdb, PostgreSQL
  // a scratch schema and the migrations); each test starts from an empty chain and appends its
  // five events through the log. Ids and anchors come from the rows alone, so nothing is left over.
  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location, { auditKey: KEY });
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });
  beforeEach(async () => {
    await tamper(store, (tx) => tx.exec('DELETE FROM audit_events; DELETE FROM audit_anchors;'));
    for (let i = 1; i <= 5; i++)
      await store.audit.append({ actor: `u:${i}`, action: 'gate.step', subject: 'PROJ1/M1', data: { step: i } });
  });

  it('a clean chain verifies, with its latest signed anchor', async () => {
    const head = (await store.audit.list()).at(-1)!;
    expect(await store.audit.verify()).toEqual({
      ok: true,
      checked: 5,
      anchor: { sequence: 5, hash: head.hash, at: expect.any(String), keyId: KEY.id },
    });
    const anchors = await store.db.query<{ sequence: string }>('SELECT sequence FROM audit_anchors ORDER BY sequence');
    expect(anchors.map((a) => Number(a.sequence))).toEqual([1, 2, 3, 4, 5]);
    await expect(store.db.query("UPDATE audit_anchors SET head_hash = 'x'")).rejects.toThrow(/append-only/);
    await expect(store.db.query('DELETE FROM audit_anchors')).rejects.toThrow(/append-only/);
  });

  it('refuses TRUNCATE of audit_events and audit_anchors (row triggers never see it; migration 013)', async () => {
    await expect(store.db.query('TRUNCATE audit_events')).rejects.toThrow(
      /audit_events is append-only \(TRUNCATE refused\)/,
    );
    await expect(store.db.query('TRUNCATE audit_anchors')).rejects.toThrow(
      /audit_anchors is append-only \(TRUNCATE refused\)/,
    );
    await expect(store.db.query('TRUNCATE audit_events, audit_anchors')).rejects.toThrow(/append-only/);
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 5 });
  });

  it('keeps one unbroken, fully anchored chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.audit.append({ actor: `u:c${i}`, action: 'load.test', subject: `s${i}` }),
      ),
    );
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 25, anchor: { sequence: 25 } });
  });

  it('writes a batch of workflow events once each, in order, under one anchor at its last; a retried batch adds only what is new', async () => {
    const { recordWorkflowEvents } = createAuditActivities({ store });
    const activity = new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'alert/disk-full', runId: 'run-1' } } as never,
      { logger: new DefaultLogger('ERROR') },
    );
    const event = (sequence: number) => ({
      sequence,
      actor: 'system',
      action: `alert.step_${sequence}`,
      subject: 'alert/disk-full',
    });
    await activity.run(recordWorkflowEvents, [event(1), event(2), event(3)]);
    // The same batch again (a retried activity), with one more event noted meanwhile.
    await activity.run(recordWorkflowEvents, [event(1), event(2), event(3), event(4)]);
    const written = (await store.audit.list()).slice(5);
    expect(written.map((e) => [e.id, e.action, e.workflowId])).toEqual([
      [6, 'alert.step_1', 'alert/disk-full'],
      [7, 'alert.step_2', 'alert/disk-full'],
      [8, 'alert.step_3', 'alert/disk-full'],
      [9, 'alert.step_4', 'alert/disk-full'],
    ]);
    const anchors = await store.db.query<{ sequence: string }>('SELECT sequence FROM audit_anchors ORDER BY sequence');
    expect(anchors.map((a) => Number(a.sequence))).toEqual([1, 2, 3, 4, 5, 8, 9]);
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 9, anchor: { sequence: 9 } });
    // The anchor at the batch's last event covers the ones before it: one of them rewritten shows.
    await rewriteChain(store, (events) => events.filter((e) => e.id !== 7));
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match its signed anchor/),
    });
  });

  it('appends a batch larger than one INSERT statement takes (2,500 events) as one unbroken stretch under one anchor', async () => {
    const appended = await store.audit.appendAll(
      Array.from({ length: 2500 }, (_, i) => ({
        actor: 'system',
        action: 'flood.step',
        subject: 'alert/flood',
        data: { i },
      })),
    );
    expect(appended.map((e) => e.id)).toEqual(Array.from({ length: 2500 }, (_, i) => 6 + i));
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 2505, anchor: { sequence: 2505 } });
  });

  it('detects the newest rows deleted (tail truncation)', async () => {
    await tamper(store, (tx) => tx.query('DELETE FROM audit_events WHERE id >= 4').then(() => undefined));
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      checked: 3,
      brokenAt: 4,
      reason: expect.stringMatching(/events 4 to 5 are missing.*tail deleted/),
      anchor: { sequence: 5 },
    });
  });

  it('detects a row deleted in the middle and the chain re-hashed after it', async () => {
    await rewriteChain(store, (events) => events.filter((e) => e.id !== 3));
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      checked: 2,
      brokenAt: 3,
      reason: expect.stringMatching(/event 3 does not match its signed anchor/),
    });
  });

  it('detects a middle row deleted without re-hashing', async () => {
    await tamper(store, (tx) => tx.query('DELETE FROM audit_events WHERE id = 3').then(() => undefined));
    expect(await store.audit.verify()).toMatchObject({ ok: false, brokenAt: 4, reason: 'event 3 is missing' });
  });

  it('detects two rows swapped and the chain re-hashed (reordering)', async () => {
    await rewriteChain(store, (events) => [events[0]!, events[2]!, events[1]!, events[3]!, events[4]!]);
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: expect.stringMatching(/event 2 does not match its signed anchor/),
    });
  });

  it('detects a tampered anchor (bad signature), also when it hides a truncation', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_events WHERE id = 5');
      await tx.query('DELETE FROM audit_anchors WHERE sequence = 5');
      await tx.query("UPDATE audit_anchors SET anchored_at = anchored_at + interval '1 hour' WHERE sequence = 4");
    });
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/signature of the anchor at event 4 does not verify: the anchor was tampered with/),
    });
  });

  it('detects a forged anchor signed with another key, naming both key ids', async () => {
    const other = new AnchorKey('another-key-that-is-not-the-servers-0000');
    await tamper(store, async (tx) => {
      const [row] = await tx.query<{ head_hash: string; anchored_at: Date | string }>(
        'SELECT head_hash, anchored_at FROM audit_anchors WHERE sequence = 5',
      );
      const at = new Date(row!.anchored_at).toISOString();
      await tx.query('UPDATE audit_anchors SET key_id = $1, signature = $2 WHERE sequence = 5', [
        other.id,
        other.sign({ sequence: 5, hash: row!.head_hash, at }),
      ]);
    });
    const result = await store.audit.verify();
    expect(result).toMatchObject({ ok: false, brokenAt: 5 });
    expect(!result.ok && result.reason).toContain(`names key ${other.id}, this server's key is ${KEY.id}`);
  });

  it('detects events no anchor covers (anchors deleted)', async () => {
    await tamper(store, (tx) => tx.query('DELETE FROM audit_anchors WHERE sequence >= 4').then(() => undefined));
    expect(await store.audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/events 4 to 5 are not covered by a signed anchor/),
      anchor: { sequence: 3 },
    });
  });

  it('detects the newest events deleted with their anchors, given the head an earlier check saw (witness)', async () => {
    const earlier = await store.audit.verify();
    const witness = { sequence: earlier.anchor!.sequence, hash: earlier.anchor!.hash };
    expect(await store.audit.verify({ witness })).toMatchObject({ ok: true, checked: 5 });
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_events WHERE id >= 4');
      await tx.query('DELETE FROM audit_anchors WHERE sequence >= 4');
    });
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 3 }); // consistent on its own
    expect(await store.audit.verify({ witness })).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(
        /events 4 to 5 are missing: an earlier check saw the chain reach event 5, it now ends at event 3/,
      ),
    });
    // Rewritten after the witness was taken: the hash at its sequence differs.
    await rewriteChain(store, (events) => [
      ...events,
      { ...events[0]!, actor: 'u:mallory' },
      { ...events[0]!, actor: 'u:mallory' },
    ]);
    expect(await store.audit.verify({ witness })).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: expect.stringMatching(/event 5 does not match the head an earlier check saw/),
    });
  });

  it('anchors the head of a chain written before anchoring existed, once', async () => {
    await tamper(store, (tx) => tx.query('DELETE FROM audit_anchors').then(() => undefined));
    expect(await store.audit.verify()).toMatchObject({ ok: false, brokenAt: 1 });
    expect(await store.audit.anchorHead()).toMatchObject({ sequence: 5 });
    expect(await store.audit.anchorHead()).toMatchObject({ sequence: 5 });
    expect(await store.audit.verify()).toMatchObject({ ok: true, checked: 5, anchor: { sequence: 5 } });
  });
});

// In this process (the CLI's code as a child runs it, 1.5 s less per call): the store is closed first.
describe('arxflow audit verify (direct, on the data dir)', () => {
  it("exits 1 naming the tail truncation; the key is the data dir's audit-key file, not in the database", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-anchors-'));
    const env = {
      ARXFLOW_DATA_DIR: dataDir,
      ARXFLOW_URL: undefined,
      ARXFLOW_TOKEN: undefined,
      DATABASE_URL: undefined,
      ARXFLOW_AUDIT_KEY: undefined,
    };
    try {
      const store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
      for (let i = 1; i <= 3; i++) await store.audit.append({ actor: 'u:ana', action: 'gate.step', subject: `S${i}` });
      const clean = await store.audit.verify();
      await tamper(store, (tx) => tx.query('DELETE FROM audit_events WHERE id = 3').then(() => undefined));
      await store.close();
      expect(clean).toMatchObject({ ok: true, checked: 3 });

      const result = await runArxflowInProcess(['audit', 'verify'], env);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('audit chain broken at event 3: event 3 is missing: the chain ends at event 2');
      expect(result.stderr).toContain('tail deleted');

      const badWitness = await runArxflowInProcess(['audit', 'verify', '--witness', '3:nothex'], env);
      expect(badWitness.status).toBe(2);
      expect(badWitness.stderr).toContain('witness: must be <sequence>:<64 hex hash>');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
