import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  path: string;
  delivery: string | undefined;
  signature: string | undefined;
  /** x-arxflow-signature (the timestamped scheme arxflow signs its own notifications with). */
  arxflowSignature: string | undefined;
  body: Buffer;
  answered: number;
}

/**
 * A partner's webhook endpoint on a free port: answers each path with the statuses queued
 * for it (then 200 when the queue is empty, or `down` for ever), and keeps every request.
 */
export async function startWebhookReceiver() {
  const received: ReceivedDelivery[] = [];
  const queued = new Map<string, number[]>();
  const down = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const answered = queued.get(path)?.shift() ?? down.get(path) ?? 200;
      received.push({
        path,
        delivery: req.headers['x-arxflow-delivery'] as string | undefined,
        signature: req.headers['x-hub-signature-256'] as string | undefined,
        arxflowSignature: req.headers['x-arxflow-signature'] as string | undefined,
        body: Buffer.concat(chunks),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    /** Answers these statuses first, in order. */
    queue: (path: string, ...statuses: number[]) => queued.set(path, [...(queued.get(path) ?? []), ...statuses]),
    /** Answers `status` until `recover(path)`. */
    down: (path: string, status = 503) => down.set(path, status),
    recover: (path: string) => down.delete(path),
    to: (path: string) => received.filter((request) => request.path === path),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
