import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AuditEntry, AuditEvent } from '../../db/audit-log';
import { registryEntry } from '../../client/api/registry';
import { alertWorkflowId, pagerdutyDedupKey } from '../../domain/alerts/dedup';
import { STREAM_AREAS, streamAreaReaders, type StreamEvent } from '../../domain/stream-topics';
import { readServerSentEvents, type RawServerSentEvent } from '../../cli/stream-follow';
import { AuditTailer, auditSourceOf } from '../../gateway/stream/audit-tailer';
import { runArxflowInProcess } from '../support/cli-in-process';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';

/**
 * The live stream (GET /v1/stream, GET /v1/sync/:documentId/events, `arxflow watch`) on a real
 * gateway over real HTTP, reading the real audit chain of an in-memory store, with the
 * production worker on a dev server for the event a real workflow writes.
 */
const world = useDevServerWorld('stream');
const tokens = {} as Record<'viewer' | 'deployer' | 'editor' | 'admin' | 'signatory', string>;
beforeAll(async () => {
  tokens.viewer = await tokenFor('vera', 'viewer');
  tokens.deployer = await tokenFor('ci', 'deployer');
  tokens.editor = await tokenFor('ed', 'editor');
  tokens.admin = await tokenFor('ada', 'admin');
  tokens.signatory = await tokenFor('sig', 'signatory' as never);
});

/** Every subscription a test opened, closed after it (an open stream would hold the gateway's close). */
const open = new Set<Subscription>();
afterEach(() => {
  for (const subscription of open) subscription.close();
});

interface Subscription {
  response: Response;
  /** The next `count` messages that are events (an `id:` alone is kept as `marks`). */
  next(count: number, timeoutMs?: number): Promise<RawServerSentEvent[]>;
  /** The ids the stream set without an event (where it began). */
  marks: string[];
  close(): void;
}

async function subscribe(pathAndQuery: string, token: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(`${world.url}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: abort.signal,
  });
  const events: RawServerSentEvent[] = [];
  const marks: string[] = [];
  const waiting = new Set<() => void>();
  let ended = false;
  if (response.ok) {
    void (async () => {
      try {
        for await (const message of readServerSentEvents(response.body!)) {
          if (message.data === undefined) marks.push(message.id!);
          else events.push(message);
          for (const wake of waiting) wake();
        }
      } catch {
        // aborted by close()
      } finally {
        ended = true;
        for (const wake of waiting) wake();
      }
    })();
  }
  const subscription: Subscription = {
    response,
    marks,
    async next(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && !ended && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
          function done() {
            clearTimeout(timer);
            waiting.delete(done);
            resolve();
          }
          waiting.add(done);
        });
      }
      return events.splice(0, count);
    },
    close() {
      abort.abort();
      open.delete(subscription);
    },
  };
  open.add(subscription);
  return subscription;
}

/** Waits until the stream has told where it began (it is subscribed from then on). */
async function begun(subscription: Subscription): Promise<string> {
  for (let waited = 0; subscription.marks.length === 0; waited += 20) {
    if (waited > 15_000) throw new Error('the stream never said where it began');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return subscription.marks[0]!;
}

const append = (entry: AuditEntry): Promise<AuditEvent> => world.store.audit.append(entry);
const dataOf = (message: RawServerSentEvent) => JSON.parse(message.data!) as StreamEvent;

describe('GET /v1/stream', () => {
  it('delivers every event of its topics in id order, and nothing else', async () => {
    const stream = await subscribe('/v1/stream?topics=sync/doc-order,funding/P-ORD/M-1', tokens.viewer);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    await begun(stream);

    const written: AuditEvent[] = [];
    for (let i = 0; i < 12; i++) {
      written.push(
        await append({
          actor: 'ana',
          action: 'sync.committed',
          subject: 'doc-order',
          workflowId: 'sync/doc-order',
          data: { n: i },
        }),
      );
      // Not for this subscriber: another document, audit-only actions, another area.
      await append({ actor: 'ana', action: 'sync.committed', subject: 'doc-other', data: { n: i } });
      await append({ actor: 'system', action: 'probe.started', subject: 'doc-order' });
      if (i % 3 === 0) {
        written.push(await append({ actor: 'bo', action: 'funding.approved', subject: 'P-ORD/M-1', data: { n: i } }));
        await append({ actor: 'bo', action: 'funding.approved', subject: 'P-ORD/M-2' });
      }
    }
    const received = await stream.next(written.length);
    expect(received.map((message) => Number(message.id))).toEqual(written.map((event) => event.id));
    expect(received.map((message) => message.event)).toEqual(written.map((event) => event.action));
    expect(dataOf(received[0]!)).toEqual({
      id: written[0]!.id,
      at: written[0]!.at.toISOString(),
      topic: 'sync/doc-order',
      action: 'sync.committed',
      subject: 'doc-order',
      workflowId: 'sync/doc-order',
      actor: 'ana',
      data: { n: 0 },
    });
    expect(dataOf(received[1]!)).toMatchObject({ topic: 'funding/P-ORD/M-1', actor: 'bo', workflowId: null });
    expect(await stream.next(1, 600)).toEqual([]); // nothing more came
  });

  it('an area topic carries every subject of the area; a subject repeating the area is named without it', async () => {
    const stream = await subscribe('/v1/stream?topics=alerts,incidents/db-down', tokens.viewer);
    await begun(stream);
    const alert = await append({ actor: 'am', action: 'alert.opened', subject: 'alert/db-disk' });
    const incident = await append({ actor: 'am', action: 'incident.opened', subject: 'incident/db-down' });
    await append({ actor: 'am', action: 'incident.opened', subject: 'incident/other' });
    const received = await stream.next(2);
    expect(received.map(dataOf).map(({ id, topic }) => ({ id, topic }))).toEqual([
      { id: alert.id, topic: 'alerts/db-disk' },
      { id: incident.id, topic: 'incidents/db-down' },
    ]);
  });

  it('resumes after a disconnect with Last-Event-ID (or ?after=): no gap, no repeat', async () => {
    const topic = 'sync/doc-resume';
    const first = await subscribe(`/v1/stream?topics=${topic}`, tokens.viewer);
    const begin = await begun(first);
    const write = (n: number) => append({ actor: 'ana', action: 'sync.committed', subject: 'doc-resume', data: { n } });
    const batch1 = [await write(1), await write(2), await write(3)];
    const seen = await first.next(2);
    expect(seen.map((message) => Number(message.id))).toEqual([batch1[0]!.id, batch1[1]!.id]);
    first.close();

    const batch2 = [await write(4), await write(5)];
    const resumed = await subscribe(`/v1/stream?topics=${topic}`, tokens.viewer, { 'last-event-id': seen[1]!.id! });
    const rest = [batch1[2]!, ...batch2];
    expect((await resumed.next(3)).map((message) => Number(message.id))).toEqual(rest.map((event) => event.id));
    const live = await write(6);
    expect((await resumed.next(1)).map((message) => Number(message.id))).toEqual([live.id]);
    expect(await resumed.next(1, 600)).toEqual([]);
    resumed.close();

    // From where the first connection began (its `id:` line), before it had seen anything: all six.
    const fromStart = await subscribe(`/v1/stream?topics=${topic}&after=${begin}`, tokens.viewer);
    expect((await fromStart.next(6)).map(dataOf).map((event) => event.data.n)).toEqual([1, 2, 3, 4, 5, 6]);
    // The header wins over ?after= (EventSource resends the URL it began with).
    const header = await subscribe(`/v1/stream?topics=${topic}&after=${begin}`, tokens.viewer, {
      'last-event-id': String(batch2[1]!.id),
    });
    expect((await header.next(1)).map((message) => Number(message.id))).toEqual([live.id]);
  });

  it('a subscriber sees a new event within 1 s (measured)', async () => {
    const stream = await subscribe('/v1/stream?topics=deploy/web/production/9.9.9', tokens.deployer);
    await begun(stream);
    const latencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const written = await append({ actor: 'ci', action: 'deploy.step', subject: 'deploy/web/production/9.9.9' });
      const [received] = await stream.next(1, 10_000);
      latencies.push(Date.now() - written.at.getTime());
      expect(Number(received?.id)).toBe(written.id);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    console.info(`stream latency ms (sorted): ${latencies.join(', ')}`);
    expect(median).toBeLessThan(1_000);
  });

  it('carries what a real workflow writes (a deposit through the API, funding.deposited by its activity)', async () => {
    const stream = await subscribe('/v1/stream?topics=funding', tokens.viewer);
    await begun(stream);
    const posted = await call(`${world.url}/v1/workflows/fundingDeposit`, {
      token: tokens.admin,
      body: { projectId: 'STREAM-DEP', reference: 'wire-1', amount: 50_000, currency: 'USD' },
    });
    expect(posted.status).toBe(201);
    const [received] = await stream.next(1, 60_000);
    expect(received?.event).toBe('funding.deposited');
    expect(dataOf(received!)).toMatchObject({
      topic: 'funding/project/STREAM-DEP/funding',
      actor: 'ada',
      workflowId: 'funding-deposit/STREAM-DEP/wire-1',
      data: { amount: 50_000, currency: 'USD' },
    });
  });

  it("carries a real alert's status changes as its workflow audits them: triggered, then resolved", async () => {
    const stream = await subscribe('/v1/stream?topics=alerts', tokens.viewer);
    await begun(stream);
    const pagerduty = (action: 'trigger' | 'resolve') =>
      call(`${world.url}/v1/events`, {
        body: {
          routing_key: 'STREAM0KEY',
          event_action: action,
          dedup_key: 'stream-disk',
          ...(action === 'trigger' ? { payload: { summary: 'Disk 91%', source: 'db-1', severity: 'warning' } } : {}),
        },
      }); // loopback: this world's gateway has no intake token
    expect((await pagerduty('trigger')).status).toBe(202);
    const workflowId = alertWorkflowId(pagerdutyDedupKey('STREAM0KEY', 'stream-disk'));
    const seen: StreamEvent[] = [];
    const actions = () => seen.map((event) => event.action);
    while (!actions().includes('alert.triggered')) {
      const [received] = await stream.next(1, 60_000);
      if (!received) throw new Error(`no alert.triggered on the stream; saw ${actions().join(', ')}`);
      seen.push(dataOf(received));
    }
    expect((await pagerduty('resolve')).status).toBe(202);
    while (!actions().includes('alert.resolved')) {
      const [received] = await stream.next(1, 60_000);
      if (!received) throw new Error(`no alert.resolved on the stream; saw ${actions().join(', ')}`);
      seen.push(dataOf(received));
    }
    expect(seen.every((event) => event.workflowId === workflowId)).toBe(true);
    expect(actions().indexOf('alert.triggered')).toBeLessThan(actions().indexOf('alert.resolved'));
    expect(seen.find((event) => event.action === 'alert.resolved')).toMatchObject({
      topic: expect.stringMatching(/^alerts\//),
      data: { status: 'resolved' },
    });
  });

  it('bad topics and a bad Last-Event-ID are 400s naming them; no token is 401', async () => {
    const unknown = await call(`${world.url}/v1/stream?topics=sync,weather/berlin`, { token: tokens.viewer });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error: 'bad_input', issues: [{ path: 'querystring.topics' }] });
    expect(unknown.json.message).toContain('unknown area "weather" in topic weather/berlin');
    for (const topics of ['', ',', 'sync/', 'sync/a b']) {
      const refused = await call(`${world.url}/v1/stream?topics=${encodeURIComponent(topics)}`, {
        token: tokens.viewer,
      });
      expect({ topics, status: refused.status }).toEqual({ topics, status: 400 });
      expect(refused.json.message).toContain('querystring.topics');
    }
    const missing = await call(`${world.url}/v1/stream`, { token: tokens.viewer });
    expect(missing.status).toBe(400);
    expect(missing.json.message).toContain('topics');
    const badId = await call(`${world.url}/v1/stream?topics=sync`, {
      token: tokens.viewer,
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(badId.status).toBe(400);
    expect(badId.json.message).toContain('last-event-id');
    expect((await call(`${world.url}/v1/stream?topics=sync`)).status).toBe(401);
  });

  it('roles decide per topic: a 403 names the topic the token may not see', async () => {
    const deployerFunding = await call(`${world.url}/v1/stream?topics=deploy,funding/P-1/M-1`, {
      token: tokens.deployer,
    });
    expect(deployerFunding.status).toBe(403);
    expect(deployerFunding.json).toMatchObject({ error: 'forbidden' });
    expect(deployerFunding.json.message).toContain('topic funding/P-1/M-1');
    expect(deployerFunding.json.message).toContain('viewer or operator or approver');

    const editorSync = await call(`${world.url}/v1/stream?topics=sync/plan-7`, { token: tokens.editor });
    expect(editorSync.status).toBe(403);
    expect(editorSync.json.message).toContain('topic sync/plan-7');

    // A token with no gateway role at all is refused before the topics are looked at.
    expect((await call(`${world.url}/v1/stream?topics=deploy`, { token: tokens.signatory })).status).toBe(403);

    // Allowed: a deployer follows deployments, a viewer and an admin every area.
    const allowed = [
      await subscribe('/v1/stream?topics=deploy', tokens.deployer),
      await subscribe(`/v1/stream?topics=${STREAM_AREAS.join(',')}`, tokens.viewer),
      await subscribe(`/v1/stream?topics=${STREAM_AREAS.join(',')}`, tokens.admin),
    ];
    expect(allowed.map((subscription) => subscription.response.status)).toEqual([200, 200, 200]);
  });

  it("areas are seen by the roles that may read their workflows' status", () => {
    const statusReaders = (type: string, query: string) => registryEntry(type)!.queries[query]!.roles;
    expect(streamAreaReaders('funding')).toEqual(statusReaders('fundingGate', 'status'));
    expect(streamAreaReaders('compliance')).toEqual(statusReaders('complianceReview', 'status'));
    expect(streamAreaReaders('alerts')).toEqual(statusReaders('alertEscalation', 'status'));
    expect([...streamAreaReaders('deploy'), 'admin'].sort()).toEqual(
      [...statusReaders('deployment', 'deploymentStatus')].sort(),
    );
  });

  it('the OpenAPI document lists both stream routes', async () => {
    const doc = (await call(`${world.url}/openapi.json`)).json as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/v1/stream']?.get).toBeDefined();
    expect(doc.paths['/v1/sync/{documentId}/events']?.get).toBeDefined();
  });
});

describe('GET /v1/sync/:documentId/events', () => {
  it("is the stream of topic sync/<documentId>: that document's events only, resumable", async () => {
    const stream = await subscribe('/v1/sync/plan-9/events', tokens.viewer);
    expect(stream.response.status).toBe(200);
    await begun(stream);
    const mine = await append({ actor: 'ana', action: 'sync.committed', subject: 'plan-9', data: { commitId: 'c1' } });
    await append({ actor: 'ana', action: 'sync.committed', subject: 'plan-10' });
    const reverted = await append({
      actor: 'bo',
      action: 'sync.committed',
      subject: 'plan-9',
      data: { commitId: 'c2' },
    });
    const received = await stream.next(2);
    expect(received.map(dataOf).map(({ id, topic, data }) => ({ id, topic, data }))).toEqual([
      { id: mine.id, topic: 'sync/plan-9', data: { commitId: 'c1' } },
      { id: reverted.id, topic: 'sync/plan-9', data: { commitId: 'c2' } },
    ]);
    const resumed = await subscribe('/v1/sync/plan-9/events', tokens.viewer, { 'last-event-id': String(mine.id) });
    expect((await resumed.next(1)).map((message) => Number(message.id))).toEqual([reverted.id]);
    expect((await call(`${world.url}/v1/sync/plan-9/events`, { token: tokens.editor })).status).toBe(403);
  });
});

describe('one tailer per gateway', () => {
  it('reads the store for all its subscribers, and stops reading when the last one leaves', async () => {
    let reads = 0;
    const source = auditSourceOf(world.store);
    const counting = {
      ...source,
      list: (options: { afterId: number; limit: number }) => (reads++, source.list(options)),
    };
    const tailer = new AuditTailer(counting, { pollMs: 50 });
    const abort = new AbortController();
    const head = await tailer.head();
    const received: number[][] = [[], [], []];
    const keep = (event: AuditEvent) => event.subject === 'doc-tailer';
    const followers = received.map(async (into) => {
      for await (const event of tailer.follow(head, keep, abort.signal)) into.push(event.id);
    });
    expect(tailer.subscribers).toBe(3);
    const written = [
      await append({ actor: 'a', action: 'sync.committed', subject: 'doc-tailer' }),
      await append({ actor: 'a', action: 'sync.committed', subject: 'doc-tailer' }),
    ];
    await until(() => received.every((ids) => ids.length === 2));
    expect(received).toEqual(received.map(() => written.map((event) => event.id)));
    // Three subscribers cost one read a poll (at most one per 50 ms), not one each.
    const before = reads;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reads - before).toBeGreaterThan(0);
    expect(reads - before).toBeLessThanOrEqual(500 / 50 + 1);
    abort.abort();
    await Promise.all(followers);
    expect(tailer.subscribers).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the poll under way ends
    const stopped = reads;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reads).toBe(stopped);
    await tailer.close();
  });
});

describe('arxflow watch', () => {
  let dataDir: string;
  beforeAll(() => {
    // No service.json here: the CLI goes where ARXFLOW_URL says, or nowhere.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'arxflow-watch-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (url: string, token: string) => ({ ARXFLOW_URL: url, ARXFLOW_TOKEN: token, ARXFLOW_DATA_DIR: dataDir });

  it('prints a line per event (time, action, subject, actor), and JSON with --json', async () => {
    const after = await append({ actor: 'x', action: 'probe.started', subject: 'before' });
    const written = [
      await append({ actor: 'ana', action: 'sync.committed', subject: 'doc-cli' }),
      await append({ actor: 'bo', action: 'sync.reverted', subject: 'doc-cli' }),
    ];
    const text = await runArxflowInProcess(
      ['watch', 'sync/doc-cli', '--after', String(after.id), '--count', '2'],
      env(world.url, tokens.viewer),
    );
    expect(text).toMatchObject({ status: 0, stderr: '' });
    expect(text.stdout.split('\n')).toEqual([
      `${written[0]!.at.toISOString()}  sync.committed  doc-cli  ana`,
      `${written[1]!.at.toISOString()}  sync.reverted  doc-cli  bo`,
    ]);
    const json = await runArxflowInProcess(
      ['watch', 'sync/doc-cli', 'funding', '--after', String(after.id), '--count', '1', '--json'],
      env(world.url, tokens.viewer),
    );
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: written[0]!.id, topic: 'sync/doc-cli', actor: 'ana' });
  });

  it('reconnects after a dropped connection with Last-Event-ID: every event once, in order', async () => {
    const proxy = await startCuttableProxy(new URL(world.url));
    try {
      const watching = runArxflowInProcess(
        ['watch', 'sync/doc-drop', '--count', '3', '--json'],
        env(proxy.url, tokens.viewer),
      );
      await proxy.waitForDownstream(/id: \d+\n\n/); // subscribed: the stream said where it began
      const first = await append({ actor: 'ana', action: 'sync.committed', subject: 'doc-drop', data: { n: 1 } });
      await proxy.waitForDownstream(new RegExp(`id: ${first.id}\\n`));
      proxy.cut(); // the connection drops; the next two are written while the CLI is away
      const later = [
        await append({ actor: 'ana', action: 'sync.committed', subject: 'doc-drop', data: { n: 2 } }),
        await append({ actor: 'ana', action: 'sync.committed', subject: 'doc-drop', data: { n: 3 } }),
      ];
      const result = await watching;
      expect(result.status).toBe(0);
      const printed = result.stdout.split('\n').map((line) => JSON.parse(line) as StreamEvent);
      expect(printed.map((event) => event.id)).toEqual([first.id, ...later.map((event) => event.id)]);
      expect(result.stderr).toContain(`reconnecting after event ${first.id}`);
      expect(proxy.connections()).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  it('bad topics exit 2 naming the topic; without a gateway exit 1 saying what to start', async () => {
    const bad = await runArxflowInProcess(['watch', 'sync', 'weather/berlin'], env(world.url, tokens.viewer));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown area "weather" in topic weather/berlin');
    const forbidden = await runArxflowInProcess(['watch', 'funding', '--count', '1'], env(world.url, tokens.deployer));
    expect(forbidden.status).toBe(1);
    expect(forbidden.stderr).toContain('topic funding');
    const direct = await runArxflowInProcess(['watch', 'sync', '--count', '1'], {
      ARXFLOW_URL: undefined,
      ARXFLOW_TOKEN: undefined,
      ARXFLOW_DATA_DIR: dataDir,
    });
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain('npm start');
  });
});

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP proxy in front of the gateway whose open connections the test can cut (a dropped network). */
async function startCuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let downstream = '';
  let connections = 0;
  const server = net.createServer((client) => {
    connections += 1;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => (downstream += chunk.toString('utf8')));
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    async waitForDownstream(pattern: RegExp) {
      await until(() => pattern.test(downstream));
    },
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
