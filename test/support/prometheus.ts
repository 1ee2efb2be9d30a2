import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../scripts/ports';

/**
 * The real Prometheus (Debian's `prometheus`, 2.42 here) started by a test on loopback: its own
 * config and TSDB in a temp dir, scraping the given targets every second, so a counter the
 * test service increments is queryable through `/api/v1/query` within a few seconds.
 *
 * Install: `apt-get install -y prometheus` (scripts/provision-prometheus.sh). PROMETHEUS_BIN
 * overrides where the binary is looked for. The Debian package may run a system service on
 * :9090; this instance never uses that port.
 */

export const PROMETHEUS_CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

export function findPrometheus(): string {
  const found = [process.env.PROMETHEUS_BIN, ...PROMETHEUS_CANDIDATES].find(
    (file): file is string => !!file && existsSync(file),
  );
  if (!found) throw new Error('Prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
  return found;
}

export interface PrometheusOptions {
  /** `host:port` targets of one job (`job="deploy-test"`), scraped at /metrics. */
  targets: string[];
  scrapeInterval?: string;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query's raw `data` (tests wait for a series to appear with it). */
  query(promql: string): Promise<{ resultType: string; result: unknown }>;
  /** Resolves once `promql` returns a non-empty vector (the first scrapes landed). */
  waitForSeries(promql: string, timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** The config file the test instance runs with. */
export function prometheusConfig(options: PrometheusOptions): string {
  const interval = options.scrapeInterval ?? '1s';
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      { job_name: 'deploy-test', scrape_interval: interval, static_configs: [{ targets: options.targets }] },
    ],
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = findPrometheus();
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No console templates, no remote endpoints: a bare server for queries.
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(`${url}/-/ready`, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }

  const query = async (promql: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: { resultType: string; result: unknown };
    };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${body.error}`);
    return body.data;
  };

  return {
    url,
    query,
    async waitForSeries(promql, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const data = await query(promql);
        if (Array.isArray(data.result) && data.result.length > 0) return;
        if (Date.now() > deadline) throw new Error(`no series for ${promql} after ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    output: () => output,
    stop,
  };
}

async function waitReady(
  readyUrl: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prometheus exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(readyUrl)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Prometheus not ready after ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
