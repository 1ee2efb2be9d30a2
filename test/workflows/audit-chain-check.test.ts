import type { ChainWitness } from '../../db/audit-log';
import { auditChainCheck } from '../../workflows';
import { witnessFrom } from '../../workflows/audit-chain-check';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

describe('auditChainCheck on the time-skipping server', () => {
  const world = useTimeSkippingWorld();

  async function runCheck(workflowId: string, witness?: ChainWitness) {
    const taskQueue = uniqueTaskQueue();
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(
      world.env.client.workflow.execute(auditChainCheck, { taskQueue, workflowId, args: witness ? [{ witness }] : [] }),
    );
  }

  it('reports an intact chain as ok with the number of events checked', async () => {
    for (const subject of ['PROJ1/M1', 'PROJ1/M2', 'PROJ2/M1']) {
      await world.store.audit.append({ actor: 'u:ana', action: 'gate.opened', subject });
    }
    const head = (await world.store.audit.list()).at(-1)!;
    expect(await runCheck('audit-chain-check/intact')).toEqual({
      ok: true,
      checked: 3,
      anchor: { sequence: 3, hash: head.hash, at: expect.any(String), keyId: expect.any(String) },
    });
    expect(await world.store.audit.list()).toHaveLength(3); // a check writes nothing
  });

  it('checks the chain still reaches the head an earlier run saw (its anchor, passed as witness)', async () => {
    const head = (await world.store.audit.list()).at(-1)!;
    expect(await runCheck('audit-chain-check/witness-ok', { sequence: head.id, hash: head.hash })).toMatchObject({
      ok: true,
      checked: 3,
    });
    expect(await runCheck('audit-chain-check/witness-ahead', { sequence: 5, hash: 'f'.repeat(64) })).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/events 4 to 5 are missing: an earlier check saw the chain reach event 5/),
    });
  });

  it('completes with ok false and where the chain breaks when a row was edited behind the trigger', async () => {
    await world.store.db.exec(`
      ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
      UPDATE audit_events SET subject = 'PROJ9/M9' WHERE id = 2;
      ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);

    expect(await runCheck('audit-chain-check/edited')).toEqual({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: expect.stringMatching(/edited/),
      anchor: expect.objectContaining({ sequence: 3 }),
    });
    const events = await world.store.audit.list();
    expect(events.map((event) => event.subject)).toEqual(['PROJ1/M1', 'PROJ9/M9', 'PROJ2/M1']); // evidence left as found
  });

  it('reports the newest rows deleted against the latest signed anchor, which the result carries', async () => {
    await world.store.db.exec(`
      ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete;
      DELETE FROM audit_events WHERE id >= 2;
      ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete;`);
    expect(await runCheck('audit-chain-check/truncated')).toEqual({
      ok: false,
      checked: 1,
      brokenAt: 2,
      reason: expect.stringMatching(/events 2 to 3 are missing.*tail deleted/),
      anchor: expect.objectContaining({ sequence: 3 }),
    });
  });
});

describe("witnessFrom: the previous scheduled run's result (workflowInfo().lastResult) as tonight's witness", () => {
  const anchor = { sequence: 7, hash: 'a'.repeat(64), at: '2026-12-01T02:00:00.000Z', keyId: 'k' };
  it("takes a whole chain's anchor, a broken night's own witness, and nothing else", () => {
    expect(witnessFrom({ ok: true, checked: 7, anchor })).toEqual({ sequence: 7, hash: anchor.hash });
    expect(
      witnessFrom({
        ok: false,
        checked: 1,
        brokenAt: 2,
        reason: 'x',
        anchor,
        witness: { sequence: 9, hash: 'b'.repeat(64) },
      }),
    ).toEqual({ sequence: 9, hash: 'b'.repeat(64) });
    expect(witnessFrom({ ok: false, checked: 1, brokenAt: 2, reason: 'x', anchor })).toBeUndefined();
    expect(witnessFrom({ ok: true, checked: 0, anchor: null })).toBeUndefined();
    for (const junk of [undefined, null, 'x', [anchor], { ok: true, anchor: { sequence: '7', hash: 'a' } }])
      expect(witnessFrom(junk)).toBeUndefined();
  });
});
