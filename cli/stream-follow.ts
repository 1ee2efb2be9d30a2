import { ApiError } from '../client/api/errors';
import type { StreamEvent } from '../domain/stream-topics';
import { pause } from '../platform/pause';

/** Where a (re)connection goes: asked again before each, as the service may have restarted on another port. */
export interface StreamEndpoint {
  baseUrl: string;
  token?: string;
}

export interface FollowStreamOptions {
  connect: () => Promise<StreamEndpoint>;
  /** `/v1/stream?topics=...` or `/v1/sync/<documentId>/events`. */
  path: string;
  /** Begin after this audit event id; unset: from when the first connection opened. */
  after?: number;
  signal?: AbortSignal;
  /** Silence longer than this is a dead connection (the gateway sends a comment every 15 s). Default 45 s. */
  idleMs?: number;
  /** The first wait before a reconnect, doubled up to 5 s while it keeps failing. Default 250 ms. */
  retryMs?: number;
  /** Told before each reconnect: why, and the id it resumes after. */
  onReconnect?: (reason: string, lastEventId: number | undefined) => void;
}

/** One server-sent event as read: fields as sent, `data` lines joined. */
export interface RawServerSentEvent {
  event?: string;
  id?: string;
  data?: string;
}

/**
 * The events of GET /v1/stream (or a route like it) for as long as `signal` lets it run:
 * a dropped connection, an `error` event or a gateway that went away and came back is
 * reconnected with Last-Event-ID, so nothing is missed or seen twice. The first connection
 * must succeed (an unreachable gateway, a 400 or 403 throws the ApiError); after that only a
 * 4xx answer ends it (a token no longer accepted, say).
 */
export async function* followStream(options: FollowStreamOptions): AsyncGenerator<StreamEvent> {
  let lastEventId = options.after;
  let connected = false;
  let retryMs = options.retryMs ?? 250;
  for (;;) {
    if (options.signal?.aborted) return;
    let reason: string;
    try {
      const endpoint = await options.connect();
      for await (const message of openStream(endpoint, options, lastEventId)) {
        connected = true;
        retryMs = options.retryMs ?? 250;
        if (message.id !== undefined && /^\d+$/.test(message.id)) lastEventId = Number(message.id);
        if (message.event === 'error') throw new Error(`the gateway's stream failed: ${message.data ?? ''}`);
        if (message.data !== undefined) yield JSON.parse(message.data) as StreamEvent;
      }
      reason = 'the gateway ended the stream';
    } catch (err) {
      if (options.signal?.aborted) return;
      if (!connected || (err instanceof ApiError && err.status !== 503)) throw err;
      reason = (err as Error).message;
    }
    if (options.signal?.aborted) return;
    options.onReconnect?.(reason, lastEventId);
    await pause(retryMs, options.signal);
    retryMs = Math.min(retryMs * 2, 5_000);
  }
}

/** One connection: its events (an `id:` alone comes as a message with only `id`) until it ends, fails or goes quiet. */
async function* openStream(
  endpoint: StreamEndpoint,
  options: FollowStreamOptions,
  lastEventId: number | undefined,
): AsyncGenerator<RawServerSentEvent> {
  const connection = new AbortController();
  const stop = () => connection.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  const idleMs = options.idleMs ?? 45_000;
  let idle = setTimeout(stop, idleMs);
  try {
    let response: Response;
    try {
      response = await fetch(new URL(options.path, endpoint.baseUrl), {
        headers: {
          accept: 'text/event-stream',
          ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
          ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}),
        },
        signal: connection.signal,
      });
    } catch (err) {
      const why = connection.signal.aborted && !options.signal?.aborted ? 'no answer' : (err as Error).message;
      throw new ApiError(`cannot reach the gateway at ${endpoint.baseUrl}: ${why}`, 503, 'unavailable');
    }
    if (!response.ok) throw await errorOf(response);
    for await (const message of readServerSentEvents(response.body!, () => {
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    })) {
      yield message;
    }
    if (connection.signal.aborted && !options.signal?.aborted) throw new Error(`nothing heard for ${idleMs} ms`);
  } catch (err) {
    if (connection.signal.aborted && !options.signal?.aborted && !(err instanceof ApiError)) {
      throw new Error(`nothing heard for ${idleMs} ms`);
    }
    throw err;
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', stop);
    connection.abort(); // releases the socket if the caller stopped reading
  }
}

/** The gateway's error body `{error, message}` as the ApiError the CLI maps to its exit code. */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: { error?: string; message?: string } | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const status = ([400, 401, 403, 404, 409, 422, 429, 503] as const).find((s) => s === response.status) ?? 503;
  return new ApiError(body?.message ?? `gateway answered ${response.status}`, status, body?.error ?? 'error');
}

/**
 * Server-sent events from a response body (the text/event-stream format: `field: value` lines,
 * a blank line ends an event, `:` starts a comment). `onData` is told of every chunk, comments
 * included (the heartbeat keeps a quiet stream alive).
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onData: () => void = () => undefined,
): AsyncGenerator<RawServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: RawServerSentEvent = {};
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    onData();
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (current.id !== undefined || current.data !== undefined) yield current;
        current = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') current.event = value;
      else if (field === 'id') current.id = value;
      else if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
    }
  }
}
