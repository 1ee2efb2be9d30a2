import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputError } from '../../domain/validation';

/** Keeps a quiet stream open through proxies and the server's 30 s socket timeout. */
export const HEARTBEAT_MS = 15_000;

/** One server-sent event: `data` goes out as one line of JSON. */
export interface ServerSentEvent {
  event: string;
  id?: number | string;
  data: unknown;
}

/**
 * An open text/event-stream response: the one way the gateway writes server-sent events (a
 * pipeline's log follow, the live stream). `signal` aborts when the client goes away.
 */
export interface EventStream {
  readonly signal: AbortSignal;
  /** Writes one event; resolves once the socket took it (a slow client holds the writer back, it is not buffered). */
  send(event: ServerSentEvent): Promise<void>;
  /**
   * Sets the client's last event id without an event (`id:` and no data: EventSource keeps it),
   * so a client that reconnects before any event still resumes from where it began.
   */
  mark(id: number | string): Promise<void>;
  /** Ends the response (idempotent). */
  end(): void;
}

/**
 * Takes the response over from Fastify and sends the event-stream head, then a comment every
 * `heartbeatMs`. Call it once the request is known good: errors before it are ordinary JSON
 * answers, after it they can only be told as events.
 */
export function openEventStream(reply: FastifyReply, options: { heartbeatMs?: number } = {}): EventStream {
  const abort = new AbortController();
  const out = reply.raw;
  out.on('close', () => abort.abort()); // the client went away (or the stream ended)
  reply.hijack();
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not hold events back
  });
  const write = (text: string): Promise<void> => {
    if (abort.signal.aborted || out.writableEnded) return Promise.resolve();
    if (out.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        out.off('drain', done);
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      out.once('drain', done);
      abort.signal.addEventListener('abort', done, { once: true });
    });
  };
  const heartbeat = setInterval(() => void write(': keep-alive\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
  return {
    signal: abort.signal,
    send: ({ event, id, data }) =>
      write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`),
    mark: (id) => write(`id: ${id}\n\n`),
    end: () => {
      clearInterval(heartbeat);
      if (!out.writableEnded) out.end();
    },
  };
}

/**
 * The `Last-Event-ID` a reconnecting client sends (EventSource does it by itself): the id of
 * the last event it received, a whole number here. Undefined when absent; anything else is
 * bad input naming the header.
 */
export function lastEventIdOf(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  const message = 'the id of the last event received: a whole number';
  throw new InputError(`headers.last-event-id: ${message}`, [{ path: 'headers.last-event-id', message }]);
}

/** The 200 of an event-stream route for OpenAPI: what its events are. */
export function eventStreamBody(description: string) {
  return z.string().meta({
    description,
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  });
}
