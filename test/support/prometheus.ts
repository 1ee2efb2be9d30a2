import path from 'node:path';
import { stringify } from 'yaml';
import { findBinary, startBinaryServer } from './binary-server';

/**
 * The real Prometheus (Debian's `prometheus`, 2.42 here) started by a test on loopback: its own
 * config and TSDB in a temp dir, scraping the given targets every second (or running the
 * test's own config file), so a counter the test service increments is queryable through
 * `/api/v1/query` within a few seconds.
 *
 * Install: `apt-get install -y prometheus` (scripts/provision-prometheus.sh). PROMETHEUS_BIN
 * overrides where the binary is looked for. The Debian package may run a system service on
 * :9090; this instance never uses that port.
 */

export const PROMETHEUS_CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

export function findPrometheus(): string {
  return findBinary(
    'PROMETHEUS_BIN',
    PROMETHEUS_CANDIDATES,
    'Prometheus not found: apt-get install -y prometheus (or set PROMETHEUS_BIN)',
  );
}

export type PrometheusOptions =
  | {
      /** `host:port` targets of one job (`job="deploy-test"`), scraped at /metrics. */
      targets: string[];
      scrapeInterval?: string;
    }
  | {
      /** The config file's text, the test's own (an example's prometheus.yml), run as it is. */
      config: string;
    };

export interface RunningPrometheus {
  url: string;
  /** An instant query's raw `data` (tests wait for a series to appear with it). */
  query(promql: string): Promise<{ resultType: string; result: unknown }>;
  /** Resolves once `promql` returns a non-empty vector (the first scrapes landed). */
  waitForSeries(promql: string, timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** The config file the test instance runs with when the test names targets. */
export function prometheusConfig(options: { targets: string[]; scrapeInterval?: string }): string {
  const interval = options.scrapeInterval ?? '1s';
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      { job_name: 'deploy-test', scrape_interval: interval, static_configs: [{ targets: options.targets }] },
    ],
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const server = await startBinaryServer({
    name: 'Prometheus',
    binary: findPrometheus(),
    config: { file: 'prometheus.yml', text: 'config' in options ? options.config : prometheusConfig(options) },
    // No console templates, no remote endpoints: a bare server for queries.
    args: (dir) => [`--storage.tsdb.path=${path.join(dir, 'data')}`],
    readyTimeoutMs: 30_000,
  });
  const { url, output } = server;

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
    ...server,
    query,
    async waitForSeries(promql, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const data = await query(promql);
        if (Array.isArray(data.result) && data.result.length > 0) return;
        if (Date.now() > deadline) throw new Error(`no series for ${promql} after ${timeoutMs} ms:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}
