import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { findBinary, startBinaryServer } from './binary-server';

/**
 * The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`, 0.25) started by a
 * test on loopback: clustering off, its own config and storage in a temp dir, one receiver
 * that posts webhooks (payload version 4) with a bearer token, and short grouping times so
 * a firing and a resolved notification arrive within seconds.
 *
 * Install: `apt-get install -y prometheus-alertmanager`. ALERTMANAGER_BIN overrides where
 * the binary is looked for. The Debian package also sets up a system service on :9093;
 * this instance never uses that port.
 */

export const ALERTMANAGER_CANDIDATES = [
  '/usr/bin/prometheus-alertmanager',
  '/usr/local/bin/alertmanager',
  '/usr/bin/alertmanager',
];

export function findAlertmanager(): string {
  return findBinary(
    'ALERTMANAGER_BIN',
    ALERTMANAGER_CANDIDATES,
    'Alertmanager not found: apt-get install -y prometheus-alertmanager (or set ALERTMANAGER_BIN)',
  );
}

export interface AlertmanagerOptions {
  /** Where the receiver posts (the gateway's /v1/alerts/alertmanager in real tests). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (http_config.authorization). */
  bearerToken?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** 0: no limit; otherwise Alertmanager truncates and reports truncatedAlerts. */
  maxAlerts?: number;
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: the alert is resolved. */
  endsAt?: string;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  url: string;
  /** POST /api/v2/alerts, as Prometheus does. */
  postAlerts(alerts: PostedAlert[]): Promise<void>;
  /** GET /api/v2/alerts: what Alertmanager holds now. */
  alerts(): Promise<unknown[]>;
  output(): string;
  stop(): Promise<void>;
}

/** The config file the test instance runs with (exported so a test can check what it sends). */
export function alertmanagerConfig(options: AlertmanagerOptions): string {
  return stringify({
    route: {
      receiver: 'arxflow',
      group_by: options.groupBy ?? ['alertname'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'arxflow',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            max_alerts: options.maxAlerts ?? 0,
            ...(options.bearerToken
              ? { http_config: { authorization: { type: 'Bearer', credentials: options.bearerToken } } }
              : {}),
          },
        ],
      },
    ],
  });
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const server = await startBinaryServer({
    name: 'Alertmanager',
    binary: findAlertmanager(),
    // 0600: it may hold the bearer token.
    config: { file: 'alertmanager.yml', text: alertmanagerConfig(options), mode: 0o600 },
    args: (dir) => [
      `--storage.path=${path.join(dir, 'data')}`,
      // Empty: no gossip listener, so no port 9094 and no peers to wait for.
      '--cluster.listen-address=',
    ],
    readyTimeoutMs: 20_000,
  });
  const { url } = server;

  return {
    ...server,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok) throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
    async alerts() {
      return (await (await fetch(`${url}/api/v2/alerts`)).json()) as unknown[];
    },
  };
}

// ---------------------------------------------------------------- a webhook listener

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WebhookRecorder {
  url: string;
  received(): ReceivedWebhook[];
  /** Resolves with the first delivery (past or future) that `predicate` accepts. */
  waitFor(predicate: (hook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A plain HTTP listener that records JSON POSTs and answers `status` (200 by default). */
export async function startWebhookRecorder(status = 200): Promise<WebhookRecorder> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => [...received],
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hook = received.find(predicate);
        if (hook) return hook;
        if (Date.now() > deadline)
          throw new Error(
            `no matching webhook within ${timeoutMs} ms; got ${JSON.stringify(received.map((r) => r.body))}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
