import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/**
 * A local stand-in for the Slack Web API methods arxflow uses (auth.test, chat.postMessage,
 * chat.update), so tests run the official @slack/web-api client unchanged against it
 * (`new WebClient(token, { slackApiUrl: server.apiUrl })`). It answers as Slack does: HTTP
 * 200 with `{ ok: false, error }` for platform errors, 429 with Retry-After for rate limits.
 * Every call is recorded; `failNext` makes a method fail a few times to exercise retries.
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
  let clock = 1_700_000_000_000;

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
        const ts = `${Math.floor(clock / 1000)}.${String(clock % 1000).padStart(3, '0')}100`;
        clock += 1;
        const message: SlackMessage = {
          channel,
          ts,
          updates: 0,
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
