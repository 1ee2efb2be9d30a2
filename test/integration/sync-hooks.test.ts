import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSyncActivities } from '../../activities/sync';
import type { RunHooksInput, SyncActivities } from '../../activities/sync/sync-activity-types';
import { openStore, type Store } from '../../db/store';
import { SyncStore } from '../../db/sync-store';
import type { DocumentKind, HookRequestBody, HookVerdict, JsonValue } from '../../domain/sync/sync-types';
import { SIGNATURE_HEADER, verifySignature } from '../../platform/webhook-signatures';
import { syncPlan } from '../fixtures/sync-documents';

/** What the hook server saw of one request. */
interface HookCall {
  path: string;
  signatureValid: boolean;
  delivery: string | undefined;
  body: HookRequestBody;
}

/**
 * An external validation hook as a partner would run it: a real HTTP server that checks the
 * x-arxflow-signature with ITS copy of the secret (401 when it does not match) and answers per
 * path: /allow, /deny (with reasons), /slow (after `slowMs`), /garbage (200 with text),
 * /not-an-answer (200 with JSON of the wrong shape), /error (500).
 */
async function startHookServer(secret: string, slowMs: number) {
  const calls: HookCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verification = verifySignature('timestamped', {
        header: req.headers[SIGNATURE_HEADER.timestamped] as string | undefined,
        body: raw,
        secrets: [secret],
        nowMs: Date.now(),
        toleranceMs: 300_000,
      });
      const path = req.url ?? '/';
      calls.push({
        path,
        signatureValid: verification.result === 'valid',
        delivery: req.headers['x-arxflow-delivery'] as string | undefined,
        body: JSON.parse(raw.toString()) as HookRequestBody,
      });
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (verification.result !== 'valid') return json(401, { allow: false, reasons: [verification.reason] });
      switch (path) {
        case '/allow':
          return json(200, { allow: true });
        case '/deny':
          return json(200, { allow: false, reasons: ['budget line L9 has no cost code', 'message lacks a ticket'] });
        case '/slow': {
          const timer = setTimeout(() => json(200, { allow: true }), slowMs);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case '/garbage':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end('sure, fine by me');
        case '/not-an-answer':
          return json(200, { allow: 'yes' });
        default:
          return json(500, { error: 'boom' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const SECRET = `hook-secret-${randomUUID()}`;
// Long enough to be sure it is past the hook's timeout on a loaded machine, short enough to end the test.
const SLOW_MS = 4_000;
const HOOK_TIMEOUT_MS = 500;

describe('sync validation hooks (a real hook server)', () => {
  let store: Store;
  let sync: SyncStore;
  let server: Awaited<ReturnType<typeof startHookServer>>;
  let activities: SyncActivities;

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    sync = new SyncStore(store.db);
    server = await startHookServer(SECRET, SLOW_MS);
    activities = createSyncActivities({ store });
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });
  beforeEach(async () => {
    for (const hook of await sync.hooks()) await sync.removeHook(hook.hookId);
    server.calls.length = 0;
  });

  async function addHook(
    hookId: string,
    path: string,
    order: number,
    extra: { secret?: string; kinds?: DocumentKind[]; documents?: string } = {},
  ) {
    await sync.addHook({
      hookId,
      url: `${server.url}${path}`,
      secret: extra.secret ?? SECRET,
      kinds: extra.kinds ?? [],
      documents: extra.documents ?? '*',
      timeoutMs: HOOK_TIMEOUT_MS,
      order,
      createdBy: 'root',
    });
  }

  /** A change to check: content and metadata staged and the commit row (with its patch) inserted, as prepareSyncCommit leaves them. */
  async function change(
    content: JsonValue,
    options: { kind?: DocumentKind; documentId?: string; message?: string; parents?: string[] } = {},
  ): Promise<RunHooksInput> {
    const { contentHash } = await sync.stageContent(content);
    const { contentHash: metadataHash } = await sync.stageContent({ source: 'test' });
    const documentId = options.documentId ?? `tower-${randomUUID()}`;
    const kind = options.kind ?? 'json';
    const message = options.message ?? 'add the lobby';
    const commit = {
      commitId: randomUUID().replace(/-/g, ''),
      contentHash,
      parents: options.parents ?? [],
      metadataHash,
    };
    await sync.insertCommit({
      ...commit,
      documentId,
      kind,
      author: 'ana',
      message,
      at: new Date().toISOString(),
      patch: [{ op: 'add', path: '/lobby', value: 1 }],
      metadataPatch: [],
      stats: { added: 1, removed: 0, changed: 0 },
    });
    return {
      documentId,
      kind,
      author: 'ana',
      authorRoles: ['editor'],
      message,
      commit,
      stats: { added: 1, removed: 0, changed: 0 },
    };
  }

  const run = (input: RunHooksInput, env = new MockActivityEnvironment()): Promise<HookVerdict[]> =>
    env.run(activities.runSyncHooks, input);

  it('allows when every hook allows; each hook gets the change signed with the secret, in order', async () => {
    await addHook('second', '/allow', 2);
    await addHook('first', '/allow', 1);
    const input = await change({ lobby: 1 });
    expect(await run(input)).toEqual([
      { hook: 'schema', allowed: true, reasons: [] },
      { hook: 'first', allowed: true, reasons: [] },
      { hook: 'second', allowed: true, reasons: [] },
    ]);
    expect(server.calls.map((call) => call.signatureValid)).toEqual([true, true]);
    expect(server.calls[0]!.body).toEqual({
      documentId: input.documentId,
      kind: 'json',
      author: 'ana',
      message: 'add the lobby',
      parent: null,
      content: { lobby: 1 },
      patch: [{ op: 'add', path: '/lobby', value: 1 }],
      metadata: { source: 'test' },
    });
    expect(server.calls[0]!.delivery).toBe(`sync/${input.documentId}/${input.commit.commitId}/first`);
  });

  it("denies with the hook's reasons, and asks no hook after a deny", async () => {
    await addHook('gate', '/deny', 1);
    await addHook('later', '/allow', 2);
    expect(await run(await change({ a: 1 }))).toEqual([
      { hook: 'schema', allowed: true, reasons: [] },
      { hook: 'gate', allowed: false, reasons: ['budget line L9 has no cost code', 'message lacks a ticket'] },
    ]);
    expect(server.calls.map((call) => call.path)).toEqual(['/deny']);
  });

  it('a hook that does not answer in time is a deny naming it, and the activity heartbeats while it waits', async () => {
    await addHook('sleepy', '/slow', 1);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const verdicts = await run(await change({ a: 1 }), env);
    expect(verdicts[1]).toEqual({
      hook: 'sleepy',
      allowed: false,
      reasons: [`hook sleepy did not answer within ${HOOK_TIMEOUT_MS} ms`],
    });
    // One beat every 200 ms (a third of the heartbeat timeout) until the 500 ms timeout.
    expect(heartbeats).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['/garbage', 'answered something that is not {"allow": true|false, "reasons": [text...]}'],
    ['/not-an-answer', 'answered something that is not {"allow": true|false, "reasons": [text...]}'],
    ['/error', 'answered HTTP 500'],
  ])('a hook answering %s is a deny naming it and why', async (path, why) => {
    await addHook('odd', path, 1);
    const [, verdict] = await run(await change({ a: 1 }));
    expect(verdict).toEqual({ hook: 'odd', allowed: false, reasons: [`hook odd ${why}`] });
  });

  it('an unreachable hook is a deny, never an allow', async () => {
    await sync.addHook({
      hookId: 'gone',
      // A port nothing listens on: the hook server's, after it was closed.
      url: await closedPortUrl(),
      secret: SECRET,
      kinds: [],
      documents: '*',
      timeoutMs: HOOK_TIMEOUT_MS,
      order: 1,
      createdBy: 'root',
    });
    const [, verdict] = await run(await change({ a: 1 }));
    expect(verdict).toEqual({
      hook: 'gone',
      allowed: false,
      reasons: [expect.stringMatching(/^hook gone could not be reached: /)],
    });
  });

  it("a request signed with another secret fails the hook's verification: deny", async () => {
    await addHook('strict', '/allow', 1, { secret: 'not-the-secret-the-hook-knows' });
    const [, verdict] = await run(await change({ a: 1 }));
    expect(server.calls.map((call) => call.signatureValid)).toEqual([false]);
    expect(verdict).toEqual({ hook: 'strict', allowed: false, reasons: ['hook strict answered HTTP 401'] });
  });

  it('asks only the hooks of the change’s kind and documents', async () => {
    await addHook('plans-only', '/deny', 1, { kinds: ['plan'] });
    await addHook('tower-only', '/deny', 2, { documents: 'tower-*' });
    await addHook('everything', '/allow', 3);
    const other = await change({ a: 1 }, { documentId: `annex-${randomUUID()}` });
    expect((await run(other)).map((verdict) => verdict.hook)).toEqual(['schema', 'everything']);
    const tower = await change({ a: 1 }, { documentId: `tower-${randomUUID()}` });
    expect((await run(tower)).map((verdict) => [verdict.hook, verdict.allowed])).toEqual([
      ['schema', true],
      ['tower-only', false],
    ]);
  });

  it('the schema hook denies content the kind refuses, before any external hook', async () => {
    await addHook('everything', '/allow', 1);
    const verdicts = await run(await change({ budgetId: 'B1', currency: 'usd', lines: [] }, { kind: 'budget' }));
    expect(verdicts).toEqual([{ hook: 'schema', allowed: false, reasons: [expect.stringContaining('currency')] }]);
    expect(server.calls).toEqual([]);
  });

  describe('compliance quick check for plans', () => {
    /** A plan change on a stored parent (the parent need not be in a history for the check). */
    async function planChange(
      parent: JsonValue | undefined,
      proposed: JsonValue,
      options: { message?: string; roles?: string[] } = {},
    ): Promise<RunHooksInput> {
      const documentId = `plan-${randomUUID()}`;
      const parents: string[] = [];
      if (parent !== undefined) {
        const { contentHash } = await sync.stageContent(parent);
        const { contentHash: metadataHash } = await sync.stageContent({});
        const commitId = randomUUID().replace(/-/g, '');
        await sync.insertCommit({
          commitId,
          documentId,
          kind: 'plan',
          parents: [],
          author: 'bo',
          message: 'first',
          at: new Date().toISOString(),
          contentHash,
          metadataHash,
          patch: [],
          metadataPatch: [],
          stats: { added: 0, removed: 0, changed: 0 },
        });
        parents.push(commitId);
      }
      const input = await change(proposed, {
        kind: 'plan',
        documentId,
        message: options.message ?? 'longer corridor',
        parents,
      });
      return { ...input, authorRoles: options.roles ?? ['editor'] };
    }
    const farExit = () => {
      const plan = syncPlan();
      (plan.spaces as { travelDistanceFt: number }[])[0]!.travelDistanceFt = 1000;
      return plan;
    };
    const narrowDoor = (plan: Record<string, JsonValue>) => {
      (plan.doors as { clearWidthIn: number }[])[0]!.clearWidthIn = 20;
      return plan;
    };
    const compliance = async (input: RunHooksInput) =>
      (await run(input)).find((verdict) => verdict.hook === 'compliance');

    it('allows a change that adds no violation', async () => {
      const edited = syncPlan();
      edited.name = 'Renamed';
      expect(await compliance(await planChange(syncPlan(), edited))).toEqual({
        hook: 'compliance',
        allowed: true,
        reasons: [],
      });
    });

    it('denies a new violation, naming it', async () => {
      expect(await compliance(await planChange(syncPlan(), farExit()))).toEqual({
        hook: 'compliance',
        allowed: false,
        reasons: [expect.stringMatching(/^new violation IBC-1017\.2: Space S1: exit access travel distance 1000 ft/)],
      });
      // A first commit has no parent: its violations are all new.
      expect((await compliance(await planChange(undefined, farExit())))?.allowed).toBe(false);
    });

    it('a violation the parent already had is not new: an edit elsewhere passes', async () => {
      const verdict = await compliance(await planChange(farExit(), { ...farExit(), name: 'Still far' }));
      expect(verdict).toEqual({ hook: 'compliance', allowed: true, reasons: [] });
      // ...but a second one is.
      const worse = await compliance(await planChange(farExit(), narrowDoor(farExit())));
      expect(worse?.reasons).toEqual([expect.stringMatching(/^new violation IBC-1010\.1\.1: Door D1/)]);
    });

    it('a reviewer overrides with an Override: line; an editor cannot, and external hooks still run after an override', async () => {
      await addHook('everything', '/allow', 1);
      const message = 'Longer corridor\n\nOverride: temporary layout during phase 2, fire marshal agreed';
      const byEditor = await planChange(syncPlan(), farExit(), { message, roles: ['editor'] });
      expect(await run(byEditor)).toEqual([
        { hook: 'schema', allowed: true, reasons: [] },
        {
          hook: 'compliance',
          allowed: false,
          reasons: [
            expect.stringMatching(/^new violation IBC-1017\.2/),
            'ana may not override (an override needs the reviewer or admin role)',
          ],
        },
      ]);
      const byReviewer = await planChange(syncPlan(), farExit(), { message, roles: ['editor', 'reviewer'] });
      expect(await run(byReviewer)).toEqual([
        { hook: 'schema', allowed: true, reasons: [] },
        {
          hook: 'compliance',
          allowed: true,
          reasons: [
            expect.stringMatching(/^new violation IBC-1017\.2/),
            'overridden by ana: temporary layout during phase 2, fire marshal agreed',
          ],
        },
        { hook: 'everything', allowed: true, reasons: [] },
      ]);
      const noReason = await planChange(syncPlan(), farExit(), { message: 'x\nOverride:   ', roles: ['reviewer'] });
      expect((await compliance(noReason))?.allowed).toBe(false);
    });
  });
});

async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}
