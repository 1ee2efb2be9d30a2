import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/**
 * A local stand-in for the Slack Web API methods arxflow uses (auth.test, chat.postMessage,
 * chat.update; conversations.open, .list and .history to find a message by its metadata), so tests run the official @slack/web-api client unchanged against it
 * (`new WebClient(token, { slackApiUrl: server.apiUrl })`). It answers as Slack does: HTTP
 * 200 with `{ ok: false, error }` for platform errors, 429 with Retry-After for rate limits.
 * Every call is recorded; `failNext` makes a method fail a few times to exercise retries, and
 * `holdNext` carries a call out but never answers it (a worker killed while it waits).
 */

export interface SlackCall {
  method: string;
  /** Body fields, form or JSON; form fields holding JSON (blocks, attachments, metadata) are decoded. */
  params: Record<string, unknown>;
  token?: string;
  contentType: string;
  at: number;
  /** What was answered: "ok", a Slack error code, "ratelimited" or "http_500". */
  outcome: string;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
  /** Message metadata as posted (`{event_type, event_payload}`); history returns it on request. */
  metadata?: unknown;
  updates: number;
}

export type SlackFailure = 'ratelimited' | 'server_error' | { error: string };

export interface SlackApiServer {
  /** Pass as `slackApiUrl` (ends with /api/). */
  apiUrl: string;
  calls(method?: string): SlackCall[];
  /** Messages as they stand now (after chat.update), by channel id and ts. */
  messages(): SlackMessage[];
  /** The next `times` calls of `method` fail this way (Retry-After `retryAfterSeconds` for ratelimited). */
  failNext(method: string, times: number, failure: SlackFailure, retryAfterSeconds?: number): void;
  /** The next call of `method` is carried out but its answer is never sent; resolves once it was carried out. */
  holdNext(method: string): Promise<void>;
  /** Closes the connections of held calls: their callers see the connection drop. */
  dropHeld(): void;
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<SlackCall[]>;
  reset(): void;
  close(): Promise<void>;
}

const TEAM = { team: 'Arxflow Test', team_id: 'T0ARXFLOW', user: 'arxflow', user_id: 'U0ARXBOT1', bot_id: 'B0ARXBOT1' };
/** Form fields the client JSON-encodes (it stringifies any non-scalar argument). */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata'];

export async function startSlackApiServer(options: { token: string }): Promise<SlackApiServer> {
  let calls: SlackCall[] = [];
  let failures = new Map<string, { times: number; failure: SlackFailure; retryAfter: number }>();
  const messages = new Map<string, SlackMessage>();
  /** Channel names seen in posts, by id: what conversations.list answers. */
  const channelNames = new Map<string, string>();
  const holds = new Map<string, () => void>();
  const heldResponses: ServerResponse[] = [];
  // Message timestamps are Slack's: seconds since the epoch, now, unique per message.
  let clock = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const contentType = String(req.headers['content-type'] ?? '');
    const params = parseBody(await readBody(req), contentType);
    if (!params) {
      calls.push({ method, params: {}, contentType, at: Date.now(), outcome: 'invalid_json' });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      return res.end(JSON.stringify({ ok: false, error: 'invalid_json' }));
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
    delete params.token;
    const call: SlackCall = { method, params, ...(token ? { token } : {}), contentType, at: Date.now(), outcome: 'ok' };
    calls.push(call);
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const held = holds.get(method);
      if (held && status === 200 && body.ok === true) {
        // Done, but the answer never goes out: the connection stays open until the server closes.
        holds.delete(method);
        call.outcome = 'held';
        heldResponses.push(res);
        return held();
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (code: string) => {
      call.outcome = code;
      reply(200, { ok: false, error: code });
    };

    const injected = failures.get(method);
    if (injected && injected.times > 0) {
      injected.times--;
      if (injected.failure === 'ratelimited') {
        call.outcome = 'ratelimited';
        return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(injected.retryAfter) });
      }
      if (injected.failure === 'server_error') {
        call.outcome = 'http_500';
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end('internal error');
      }
      return error(injected.failure.error);
    }
    // The client always POSTs; GET with query arguments is not spoken here.
    if (req.method !== 'POST') return error('method_not_supported');
    if (!token) return error('not_authed');
    if (token !== options.token) return error('invalid_auth');

    switch (method) {
      case 'auth.test':
        return reply(200, { ok: true, url: 'https://arxflow-test.slack.com/', ...TEAM });
      case 'chat.postMessage': {
        if (typeof params.channel !== 'string' || params.channel === '') return error('channel_not_found');
        if (!params.text && !params.blocks && !params.attachments) return error('no_text');
        const channel = channelId(params.channel);
        if (!/^[CGDUW][A-Z0-9]+$/.test(params.channel)) channelNames.set(channel, params.channel.replace(/^#/, ''));
        clock = Math.max(clock + 1, Date.now());
        const ts = `${Math.floor(clock / 1000)}.${String(clock % 1000).padStart(3, '0')}100`;
        const message: SlackMessage = {
          channel,
          ts,
          updates: 0,
          ...(params.metadata !== undefined ? { metadata: params.metadata } : {}),
          ...(typeof params.text === 'string' ? { text: params.text } : {}),
          ...(params.blocks !== undefined ? { blocks: params.blocks } : {}),
          ...(typeof params.thread_ts === 'string' ? { thread_ts: params.thread_ts } : {}),
        };
        messages.set(`${channel}/${ts}`, message);
        const { updates: _updates, ...posted } = message;
        return reply(200, {
          ok: true,
          channel,
          ts,
          message: { type: 'message', user: TEAM.user_id, bot_id: TEAM.bot_id, ...posted },
        });
      }
      case 'chat.update': {
        if (typeof params.channel !== 'string' || typeof params.ts !== 'string') return error('invalid_arguments');
        const channel = channelId(params.channel);
        const message = messages.get(`${channel}/${params.ts}`);
        if (!message) return error('message_not_found');
        if (typeof params.text === 'string') message.text = params.text;
        if (params.blocks !== undefined) message.blocks = params.blocks;
        message.updates++;
        return reply(200, {
          ok: true,
          channel,
          ts: message.ts,
          text: message.text ?? '',
          message: { text: message.text, blocks: message.blocks },
        });
      }
      case 'conversations.open': {
        const users = typeof params.users === 'string' ? params.users.split(',') : [];
        if (users.length !== 1 || !/^[UW][A-Z0-9]+$/.test(users[0]!)) return error('user_not_found');
        return reply(200, { ok: true, channel: { id: channelId(users[0]!) } });
      }
      case 'conversations.list': {
        const channels = [...channelNames].map(([id, name]) => ({ id, name, is_channel: true, is_archived: false }));
        return reply(200, { ok: true, channels, response_metadata: { next_cursor: '' } });
      }
      case 'conversations.history': {
        if (typeof params.channel !== 'string' || !/^[CGD][A-Z0-9]+$/.test(params.channel))
          return error('channel_not_found');
        const oldest = Number(params.oldest ?? 0);
        const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true';
        const inChannel = [...messages.values()]
          .filter((m) => m.channel === params.channel && Number(m.ts) > oldest)
          .sort((a, b) => Number(b.ts) - Number(a.ts));
        const offset = Number(params.cursor ?? 0) || 0;
        const limit = Math.min(Number(params.limit ?? 100) || 100, 999);
        const page = inChannel.slice(offset, offset + limit).map(({ updates: _u, metadata, ...m }) => ({
          type: 'message',
          user: TEAM.user_id,
          bot_id: TEAM.bot_id,
          ...m,
          ...(withMetadata && metadata !== undefined ? { metadata } : {}),
        }));
        const more = offset + limit < inChannel.length;
        return reply(200, {
          ok: true,
          messages: page,
          has_more: more,
          response_metadata: { next_cursor: more ? String(offset + limit) : '' },
        });
      }
      default:
        return error('unknown_method');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls: (method) => calls.filter((call) => method === undefined || call.method === method),
    messages: () => [...messages.values()].map((m) => ({ ...m })),
    failNext: (method, times, failure, retryAfterSeconds = 0) => {
      failures.set(method, { times, failure, retryAfter: retryAfterSeconds });
    },
    holdNext: (method) => new Promise<void>((resolve) => holds.set(method, resolve)),
    dropHeld: () => {
      for (const res of heldResponses.splice(0)) res.destroy();
    },
    async waitForCalls(method, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (calls.filter((c) => c.method === method).length < count) {
        if (Date.now() > deadline)
          throw new Error(
            `expected ${count} ${method} call(s), got ${calls.filter((c) => c.method === method).length}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return calls.filter((c) => c.method === method);
    },
    reset: () => {
      calls = [];
      failures = new Map();
      messages.clear();
      channelNames.clear();
      holds.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Slack answers with ids: "#ops" becomes a stable C… id, a user id a D… (direct message) id. */
function channelId(channel: string): string {
  if (/^[UW][A-Z0-9]+$/.test(channel)) return `D${channel.slice(1)}`;
  if (/^[CGD][A-Z0-9]+$/.test(channel)) return channel;
  const name = channel.replace(/^#/, '');
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `C${hash.toString(36).toUpperCase().padStart(8, '0')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** The body's fields, or undefined for a JSON body that does not parse (Slack answers invalid_json). */
function parseBody(body: string, contentType: string): Record<string, unknown> | undefined {
  if (body === '') return {};
  if (contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? { ...(parsed as Record<string, unknown>) }
        : undefined;
    } catch {
      return undefined;
    }
  }
  const form: Record<string, unknown> = { ...parseQuery(body) };
  for (const field of JSON_FIELDS) {
    if (typeof form[field] === 'string') {
      try {
        form[field] = JSON.parse(form[field]);
      } catch {
        // Slack refuses malformed JSON in these fields; the raw text stays visible to the test.
      }
    }
  }
  return form;
}
