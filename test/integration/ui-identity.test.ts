import { randomBytes, randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { DefaultPayloadConverter, type ApplicationFailure, type Payload } from '@temporalio/common';
import { codecsFor, dataConverterOf } from '../../platform/codec/data-converter';
import { IDENTITY_METADATA, ORIGIN_METADATA } from '../../platform/codec/identity-codec';
import { fundingGate } from '../../workflows';
import { drawInput } from '../fixtures/funding-gate';
import { gateStatusWhen, votersOf } from '../support/funding-status';
import { createToken } from '../../platform/tokens';
import { call, startGateway, TEST_SETTINGS, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';
import { createTestWorker, testCodecs, uniqueTaskQueue } from '../support/temporal-env';

type WirePayload = { metadata: Record<string, string>; data: string };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const jsonPayload = (value: unknown): WirePayload => ({
  metadata: { encoding: b64('json/plain') },
  data: b64(JSON.stringify(value)),
});
const approve = (actor: string, roles: string[] = []) => ({ decision: 'approve', actor, roles });
/** This file's stamp window: short, so a test can outwait it. */
const STAMP_WINDOW_MS = 4000;
/** The gate's refusal of an unverified rita (by stage rules, or by the unverified rule first). */
const UNVERIFIED_RITA = /^(unverified:rita may not vote in stage "review"|rita: identity not verified)/;

/**
 * Stamp-required mode (real auth) on a real dev server: the gate's worker believes an identity
 * only when a trusted process or the codec server (for a verified caller) stamped it.
 */
describe('identities the Web UI cannot forge (stamps required)', () => {
  // The world's own worker trusts unstamped identities (as other tests need); this file's
  // gates run on a second queue whose worker requires stamps, as with real auth.
  const taskQueue = uniqueTaskQueue('stamped');
  const stampedConverter = dataConverterOf(testCodecs('stamped'));
  // The worker's: hands verified stamps to the workflows (the identity interceptor judges age and reuse).
  const stampedWorkerConverter = dataConverterOf(
    codecsFor(TEST_SETTINGS, { stampWindowMs: STAMP_WINDOW_MS }),
    'worker',
  );
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let trusted: Client; // a trusted process: stamps what it sends (like the gateway)
  let gateCount = 0;
  afterAll(async () => {
    // before the world's own afterAll: this worker holds its connection
    worker?.shutdown();
    await running;
  });
  const world = useDevServerWorld('ui-identity');

  beforeAll(async () => {
    worker = await createTestWorker(world.env, taskQueue, { store: world.store }, stampedWorkerConverter);
    running = worker.run();
    trusted = new Client({ connection: world.env.connection, dataConverter: stampedConverter });
  });

  async function startGate(): Promise<string> {
    const workflowId = `funding-gate/UI-ID/${++gateCount}`;
    await trusted.workflow.start(fundingGate, {
      taskQueue,
      workflowId,
      args: [drawInput({ projectId: 'UI-ID', milestoneId: `M${gateCount}` })],
    });
    return workflowId;
  }

  /** What the Web UI does: sends the payloads its codec server returned, as they are. */
  async function signalRaw(workflowId: string, payloads: WirePayload[]): Promise<void> {
    await world.env.connection.workflowService.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      signalName: 'decide',
      identity: 'web-ui',
      input: temporal.api.common.v1.Payloads.create({
        payloads: payloads.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
          data: Buffer.from(p.data, 'base64'),
        })),
      }),
    });
  }

  /** Sends payloads exactly as given (stamp metadata included), as a copied history event would be resent. */
  async function signalPayloads(workflowId: string, signalName: string, payloads: Payload[]): Promise<void> {
    await world.env.connection.workflowService.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      signalName,
      identity: 'replayer',
      input: { payloads },
    });
  }

  /** The payloads of the workflow's first `signalName` signal as stored in its history. */
  async function storedSignal(workflowId: string, signalName: string): Promise<Payload[]> {
    const history = await world.env.client.workflow.getHandle(workflowId).fetchHistory();
    const event = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === signalName)!;
    return event.workflowExecutionSignaledEventAttributes!.input!.payloads! as Payload[];
  }

  /** A raw update with exactly these payloads; the rejection message, or undefined when it was accepted. */
  async function updateRejection(workflowId: string, name: string, payloads: Payload[]): Promise<string | undefined> {
    const response = await world.env.connection.workflowService.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      waitPolicy: {
        lifecycleStage:
          temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
            .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
      },
      request: {
        meta: { updateId: `${name}-${Math.random()}`, identity: 'replayer' },
        input: { name, args: { payloads } },
      },
    });
    return response.outcome?.failure?.message ?? undefined;
  }

  it('replay: a stamped vote copied from one history counts in another workflow within the window, and is unverified after it', async () => {
    const [first, second, third] = [await startGate(), await startGate(), await startGate()];
    const sentAt = Date.now();
    await trusted.workflow.getHandle(first).signal('decide', approve('rita', ['approver']));
    expect(votersOf(await gateStatusWhen(trusted, first, (s) => s.approvals.votes.length > 0)).counted).toEqual([
      'rita',
    ]);
    const copied = await storedSignal(first, 'decide');
    expect(Buffer.from(copied[0]!.metadata![IDENTITY_METADATA]!).toString()).toMatch(/^test\.\d{13}\./);

    // Within the window another workflow cannot tell (the stamp names no workflow): documented.
    await signalPayloads(second, 'decide', copied);
    expect(votersOf(await gateStatusWhen(trusted, second, (s) => s.approvals.votes.length > 0)).counted).toEqual([
      'rita',
    ]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + STAMP_WINDOW_MS + 500 - Date.now())));
    await signalPayloads(third, 'decide', copied);
    let status = await gateStatusWhen(trusted, third, (s) => s.approvals.refused.length > 0);
    expect(votersOf(status)).toEqual({
      counted: [],
      refused: [{ actor: 'unverified:rita', reason: expect.stringMatching(UNVERIFIED_RITA) }],
    });
    // A fresh stamp for the same vote counts.
    await trusted.workflow.getHandle(third).signal('decide', approve('rita', ['approver']));
    status = await gateStatusWhen(trusted, third, (s) => s.approvals.votes.length > 0);
    expect(votersOf(status).counted).toEqual(['rita']);
  });

  it('replay: a hold stamp resent as a reverse update of the same workflow is unverified; a fresh reverse is judged on its merits', async () => {
    const workflowId = await startGate();
    const hold = { reason: 'site inspection', actor: 'olga', roles: ['admin'] };
    await trusted.workflow.getHandle(workflowId).signal('hold', hold);
    await gateStatusWhen(trusted, workflowId, (s) => !!s.onHold);
    const copied = await storedSignal(workflowId, 'hold');
    // Same shape, same stamp, another message name: the stamp was used by the hold.
    expect(await updateRejection(workflowId, 'reverse', copied)).toMatch(/^olga: identity not verified/);
    // A freshly stamped reverse passes the identity check (and is refused because nothing was disbursed).
    await expect(
      trusted.workflow.getHandle(workflowId).executeUpdate('reverse', { args: [hold] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/only a disbursed release can be reversed/) } });
  });

  it('records an unstamped signal from a raw client as a refusal of unverified:<typed actor>, and counts a stamped one', async () => {
    const workflowId = await startGate();
    await world.env.client.workflow.getHandle(workflowId).signal('decide', approve('rita', ['approver'])); // no codec: unstamped
    let status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.refused.length > 0);
    expect(votersOf(status)).toEqual({
      counted: [],
      refused: [{ actor: 'unverified:rita', reason: expect.stringMatching(UNVERIFIED_RITA) }],
    });

    await trusted.workflow.getHandle(workflowId).signal('decide', approve('rita', ['approver']));
    status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.votes.length > 0);
    expect(votersOf(status).counted).toEqual(['rita']);
  });

  it('refuses forged stamp metadata and a stamp taken from another message', async () => {
    const workflowId = await startGate();
    // A real stamp, for another decision of the same person (as a UI user could read in a history).
    const [stamped] = await stampedConverter.payloadCodecs[0]!.encode([
      {
        metadata: { encoding: Buffer.from('json/plain') },
        data: Buffer.from(JSON.stringify({ decision: 'reject', reasonCode: 'x', actor: 'rita', roles: [] })),
      },
    ]);
    const lifted = Buffer.from(stamped!.metadata![IDENTITY_METADATA]!).toString('base64');
    await signalRaw(workflowId, [
      {
        ...jsonPayload(approve('rita')),
        metadata: {
          encoding: b64('json/plain'),
          [IDENTITY_METADATA]: b64('test.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
        },
      },
    ]);
    await signalRaw(workflowId, [
      { ...jsonPayload(approve('rita')), metadata: { encoding: b64('json/plain'), [IDENTITY_METADATA]: lifted } },
    ]);
    const status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.refused.length >= 2);
    expect(votersOf(status)).toEqual({
      counted: [],
      refused: [
        expect.objectContaining({ actor: 'unverified:rita' }),
        expect.objectContaining({ actor: 'unverified:rita' }),
      ],
    });
  });

  it('codec server: an anonymous encode passes unstamped (refused); a bearer token or session signs as its subject whatever was typed', async () => {
    const workflowId = await startGate();
    const anonymous = await call(`${world.url}/codec/encode`, {
      body: { payloads: [jsonPayload(approve('rita', ['approver']))] },
    });
    expect(anonymous.status).toBe(200);
    const anonymousPayloads = (anonymous.json as { payloads: WirePayload[] }).payloads;
    expect(anonymousPayloads[0]!.metadata[IDENTITY_METADATA]).toBeUndefined();
    await signalRaw(workflowId, anonymousPayloads);
    let status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.refused.length > 0);
    expect(votersOf(status).refused).toEqual([expect.objectContaining({ actor: 'unverified:rita' })]);

    // rita, signed in, types someone else: the stamp says rita, with her token's roles.
    const rita = await tokenFor('rita', 'approver');
    const encoded = await call(`${world.url}/codec/encode`, {
      token: rita,
      body: { payloads: [jsonPayload(approve('mallory', ['admin', 'signatory']))] },
    });
    const payloads = (encoded.json as { payloads: WirePayload[] }).payloads;
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual(approve('rita', ['approver']));
    await signalRaw(workflowId, payloads);
    status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.votes.length > 0);
    expect(votersOf(status).counted).toEqual(['rita']);

    // sam, through a session cookie (the UI's "include credentials"), approves the signatory stage.
    const session = await call(`${world.url}/v1/ui-session`, {
      method: 'POST',
      token: await createToken(TEST_SETTINGS, { subject: 'sam', roles: ['approver', 'signatory'] }),
    });
    expect(session.status).toBe(200);
    const setCookie = session.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^arxflow_ui_session=[^;]+; HttpOnly; SameSite=Lax; Path=\/codec; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0]!;
    const viaSession = await call(`${world.url}/codec/encode`, {
      body: { payloads: [jsonPayload(approve('rita'))] },
      headers: { cookie },
    });
    await signalRaw(workflowId, (viaSession.json as { payloads: WirePayload[] }).payloads);
    status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.votes.length > 1);
    expect(votersOf(status).counted).toEqual(['rita', 'sam']);

    // A tampered cookie is no session; a bad bearer token is a 401, not an anonymous pass.
    const tampered = await call(`${world.url}/codec/encode`, {
      body: { payloads: [jsonPayload(approve('x'))] },
      headers: { cookie: `${cookie}x` },
    });
    expect((tampered.json as { payloads: WirePayload[] }).payloads[0]!.metadata[IDENTITY_METADATA]).toBeUndefined();
    expect((await call(`${world.url}/codec/encode`, { token: 'not-a-token', body: { payloads: [] } })).status).toBe(
      401,
    );
    const logout = await call(`${world.url}/v1/ui-session`, { method: 'DELETE' });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^arxflow_ui_session=; .*Max-Age=0/);
    expect((await call(`${world.url}/v1/ui-session`, { method: 'POST' })).status).toBe(401);
  });

  it('readyz says identities are stamped; the codec server answers the UI origin with credentials', async () => {
    const ready = await call(`${world.url}/readyz`);
    expect(ready.json).toMatchObject({ details: { uiIdentity: 'stamped' } });
    const preflight = await fetch(`${world.url}/codec/encode`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('ARXFLOW_UI_IDENTITY=off: the codec server never stamps, even for a verified caller', async () => {
    const off = testCodecs('stamped');
    const gateway = await startGateway(world.env, world.store, taskQueue, {
      codec: { codecs: { ...off, uiIdentity: 'off' }, webUiOrigin: 'http://localhost:8233', trustLocalWebUi: false },
    });
    try {
      const encoded = await call(`${gateway.url}/codec/encode`, {
        token: await tokenFor('rita', 'approver'),
        body: { payloads: [jsonPayload(approve('rita'))] },
      });
      expect((encoded.json as { payloads: WirePayload[] }).payloads[0]!.metadata[IDENTITY_METADATA]).toBeUndefined();
      expect((await call(`${gateway.url}/readyz`)).json).toMatchObject({ details: { uiIdentity: 'off' } });
    } finally {
      await gateway.app.close();
    }
  });

  it('codec server: with encryption an anonymous encode is refused (no encryption oracle); roles are set only where the message has them', async () => {
    const sealed = testCodecs('stamped', `enc:${randomBytes(32).toString('base64')}`);
    const gateway = await startGateway(world.env, world.store, taskQueue, {
      codec: { codecs: sealed, webUiOrigin: 'http://localhost:8233', trustLocalWebUi: false },
    });
    try {
      const anonymous = await call(`${gateway.url}/codec/encode`, {
        body: { payloads: [jsonPayload(approve('rita'))] },
      });
      expect(anonymous.status).toBe(401);
      const signedIn = await call(`${gateway.url}/codec/encode`, {
        token: await tokenFor('rita', 'approver'),
        body: { payloads: [jsonPayload(approve('rita'))] },
      });
      expect(signedIn.status).toBe(200);
      expect(
        Buffer.from(
          (signedIn.json as { payloads: WirePayload[] }).payloads[0]!.metadata.encoding!,
          'base64',
        ).toString(),
      ).toBe('binary/encrypted');
    } finally {
      await gateway.app.close();
    }
    // Without encryption an anonymous encode still passes (unstamped). A message without `roles`
    // (durabilityProbe's wakeUp is strict) gets the caller as actor and no roles.
    expect((await call(`${world.url}/codec/encode`, { body: { payloads: [] } })).status).toBe(200);
    const wake = await call(`${world.url}/codec/encode`, {
      token: await tokenFor('rita', 'operator'),
      body: { payloads: [jsonPayload({ reason: 'now', actor: 'olga' })] },
    });
    const [payload] = (wake.json as { payloads: WirePayload[] }).payloads;
    expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString())).toEqual({ reason: 'now', actor: 'rita' });
    expect(payload!.metadata[IDENTITY_METADATA]).toBeDefined();
  });

  /** What the Web UI's "Start Workflow" form does: a start with exactly these payloads (no codec of arxflow's). */
  async function startRaw(workflowId: string, payloads: Payload[]): Promise<void> {
    await world.env.connection.workflowService.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      requestId: randomUUID(),
      identity: 'web-ui',
      workflowType: { name: 'fundingGate' },
      taskQueue: { name: taskQueue },
      input: { payloads },
    });
  }

  /** The workflow's failure (it must fail), and whether it scheduled any activity (a payment is one). */
  async function failureOf(workflowId: string): Promise<{ type?: string; message?: string; activities: number }> {
    const handle = world.env.client.workflow.getHandle(workflowId);
    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    const history = await handle.fetchHistory();
    return {
      type: cause?.type ?? undefined,
      message: cause?.message,
      activities: history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length,
    };
  }

  const UNPREPARED = {
    type: 'UnpreparedInput',
    message: 'fundingGate input was not prepared by arxflow (start it through the gateway or the arxflow CLI)',
    activities: 0,
  };

  it("origin: a fundingGate started by a client without arxflow's codecs (the Web UI start form) fails UnpreparedInput and pays nothing", async () => {
    const workflowId = 'funding-gate/UI-ORIGIN/RAW';
    // Its own approvers and another requester: everything the gateway's prepare would have decided.
    await world.env.client.workflow.start(fundingGate, {
      taskQueue,
      workflowId,
      args: [drawInput({ projectId: 'UI-ORIGIN', milestoneId: 'RAW', requestedBy: 'mallory' })],
    });
    expect(await failureOf(workflowId)).toEqual(UNPREPARED);
    // A typed __origin is no way around it.
    const typedId = 'funding-gate/UI-ORIGIN/TYPED';
    await world.env.client.workflow.start(fundingGate, {
      taskQueue,
      workflowId: typedId,
      args: [{ ...drawInput({ projectId: 'UI-ORIGIN', milestoneId: 'TYPED' }), __origin: 'arxflow' } as never],
    });
    expect(await failureOf(typedId)).toEqual(UNPREPARED);
  });

  it('origin: a fundingGate started through a trusted (stamped) client runs', async () => {
    const workflowId = await startGate();
    await trusted.workflow.getHandle(workflowId).signal('decide', approve('rita', ['approver']));
    expect(votersOf(await gateStatusWhen(trusted, workflowId, (s) => s.approvals.votes.length > 0)).counted).toEqual([
      'rita',
    ]);
    const described = await trusted.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('RUNNING');
  });

  it('origin: the codec server never adds an origin MAC, nor keeps a sent one: a Web UI start with a session fails UnpreparedInput', async () => {
    const session = await call(`${world.url}/v1/ui-session`, {
      method: 'POST',
      token: await createToken(TEST_SETTINGS, { subject: 'olga', roles: ['operator', 'admin'] }),
    });
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    const input = drawInput({ projectId: 'UI-ORIGIN', milestoneId: 'SESSION' });
    // A MAC copied from a trusted process's encode of the same input is dropped too.
    const [signed] = await codecsFor(TEST_SETTINGS).identity.encode([new DefaultPayloadConverter().toPayload(input)]);
    expect(signed!.metadata![ORIGIN_METADATA]).toBeDefined();
    const sent = {
      ...jsonPayload(input),
      metadata: {
        ...jsonPayload(input).metadata,
        [ORIGIN_METADATA]: Buffer.from(signed!.metadata![ORIGIN_METADATA]!).toString('base64'),
      },
    };
    for (const headers of [
      { cookie },
      { authorization: `Bearer ${await tokenFor('olga', 'operator', 'admin')}` },
      {},
    ] as Record<string, string>[]) {
      const encoded = await call(`${world.url}/codec/encode`, {
        body: { payloads: [jsonPayload(input), sent] },
        headers,
      });
      expect(encoded.status).toBe(200);
      for (const p of (encoded.json as { payloads: WirePayload[] }).payloads)
        expect(p.metadata[ORIGIN_METADATA]).toBeUndefined();
    }
    const encoded = await call(`${world.url}/codec/encode`, { body: { payloads: [sent] }, headers: { cookie } });
    const workflowId = 'funding-gate/UI-ORIGIN/SESSION';
    await startRaw(
      workflowId,
      (encoded.json as { payloads: WirePayload[] }).payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(p.data, 'base64'),
      })),
    );
    expect(await failureOf(workflowId)).toEqual(UNPREPARED);
  });

  it('development mode (no real auth): an unstamped identity is believed as typed', async () => {
    // The world's worker runs in trusted mode, like `npm start` without ARXFLOW_JWT_SECRET.
    const workflowId = 'funding-gate/UI-ID-DEV/M1';
    await trusted.workflow.start(fundingGate, {
      taskQueue: world.taskQueue,
      workflowId,
      args: [drawInput({ projectId: 'UI-ID-DEV', milestoneId: 'M1' })],
    });
    await world.env.client.workflow.getHandle(workflowId).signal('decide', approve('rita'));
    const status = await gateStatusWhen(trusted, workflowId, (s) => s.approvals.votes.length > 0);
    expect(votersOf(status).counted).toEqual(['rita']);
  });
});
