import type { AnalysisConfig } from '../../domain/deploy/deploy-types';
import { renderTemplate } from '../../domain/deploy/templates';
import type { DeployVars, Measurement, MeasureRequest } from './deploy-activity-types';
import { heartbeat, sleep } from './http-checks';
import { parseExposition, parseHttpExpression, parseSelector, selectSum } from './metrics-exposition';

/** A query or scrape that takes longer than this is an error of the measurement, not a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
/** The http provider's first measurement (no previous counters) scrapes twice this far apart. */
export const FIRST_WINDOW_MS = 2_000;

export interface AnalysisDeps {
  /** PROMETHEUS_URL: the default of `analysis.prometheusUrl`. */
  prometheusUrl?: string;
  signal?: AbortSignal;
}

/**
 * One analysis measurement: every metric's value (null: no data, the measurement is
 * inconclusive for it), from Prometheus's HTTP API or from the service's own `/metrics`.
 * With `analysis.load` and `driveLoadMs`, synthetic traffic runs first (the workflow does not
 * sleep then). A source that cannot be read gives `error` and null values, never a throw: the
 * analysis counts it as an error measurement (Argo's consecutiveErrorLimit idea).
 */
export async function measureAnalysis(deps: AnalysisDeps, request: MeasureRequest): Promise<Measurement> {
  const { analysis, vars } = request;
  const provider = await chooseProvider(deps, analysis);
  const nulls = Object.fromEntries(analysis.metrics.map((m) => [m.name, null]));
  try {
    if (provider === 'prometheus') {
      if (request.driveLoadMs && analysis.load) await driveLoad(analysis.load, vars, request.driveLoadMs, deps.signal);
      return { provider, values: await queryPrometheusMetrics(deps, analysis, vars) };
    }
    return { provider, ...(await measureHttp(deps, request)) };
  } catch (err) {
    return {
      provider,
      values: nulls,
      ...(request.previous ? { counters: request.previous } : {}),
      error: (err as Error).message,
    };
  }
}

/** auto: Prometheus when an address is configured and answers (its /-/ready), else the service's /metrics. */
async function chooseProvider(deps: AnalysisDeps, analysis: AnalysisConfig): Promise<'prometheus' | 'http'> {
  if (analysis.provider !== 'auto') return analysis.provider;
  const url = prometheusUrlOf(deps, analysis);
  if (!url || !analysis.metrics.every((m) => m.prometheus)) return 'http';
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok ? 'prometheus' : 'http';
  } catch {
    return 'http';
  }
}

function prometheusUrlOf(deps: AnalysisDeps, analysis: AnalysisConfig): string | undefined {
  return (analysis.prometheusUrl ?? deps.prometheusUrl)?.replace(/\/+$/, '');
}

// ------------------------------------------------------------------------ prometheus

async function queryPrometheusMetrics(
  deps: AnalysisDeps,
  analysis: AnalysisConfig,
  vars: DeployVars,
): Promise<Record<string, number | null>> {
  const url = prometheusUrlOf(deps, analysis);
  if (!url) throw new Error('the prometheus provider needs analysis.prometheusUrl or PROMETHEUS_URL');
  const values: Record<string, number | null> = {};
  for (const metric of analysis.metrics) {
    if (!metric.prometheus) throw new Error(`metric ${metric.name} has no prometheus query`);
    values[metric.name] = await queryPrometheus(url, renderTemplate(metric.prometheus, { ...vars }), deps.signal);
  }
  return values;
}

/**
 * One instant query (`GET /api/v1/query?query=`): a scalar, or a vector of one sample, is its
 * number; an empty vector (no data yet), NaN or an infinity is null; several series are an
 * error (the query must aggregate them, e.g. with sum()).
 */
export async function queryPrometheus(baseUrl: string, query: string, signal?: AbortSignal): Promise<number | null> {
  const response = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: withTimeout(signal),
  });
  const body = (await response.json().catch(() => undefined)) as PrometheusResponse | undefined;
  if (!response.ok || body?.status !== 'success')
    throw new Error(`Prometheus refused ${query}: ${body?.error ?? `HTTP ${response.status}`}`);
  const data = body.data;
  if (data?.resultType === 'scalar') return finite(data.result as [number, string]);
  if (data?.resultType === 'vector') {
    const result = data.result as Array<{ value: [number, string] }>;
    if (result.length === 0) return null;
    if (result.length > 1)
      throw new Error(`${query} returned ${result.length} series; aggregate them (sum(...)) to one`);
    return finite(result[0]!.value);
  }
  throw new Error(`${query} returned a ${data?.resultType ?? 'missing'} result; an instant vector or scalar is needed`);
}

function finite(sample: [number, string]): number | null {
  const value = Number(sample[1]);
  return Number.isFinite(value) ? value : null;
}

interface PrometheusResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown };
}

// ------------------------------------------------------------------------------ http

/**
 * The http provider: counters scraped from the exposition, each metric the increase of a
 * selector or `ratio(a, b)` of two increases since `previous` (a counter that went down was
 * reset: its whole value is the increase). Without `previous`, the first measurement scrapes
 * twice, FIRST_WINDOW_MS apart (or around the driven load).
 */
async function measureHttp(
  deps: AnalysisDeps,
  request: MeasureRequest,
): Promise<{ values: Record<string, number | null>; counters: Record<string, number> }> {
  const { analysis, vars } = request;
  const expressions = analysis.metrics.map((metric) => {
    if (!metric.http) throw new Error(`metric ${metric.name} has no http expression`);
    return { name: metric.name, expression: parseHttpExpression(metric.http) };
  });
  const selectors = [
    ...new Set(expressions.flatMap((e) => (e.expression.kind === 'ratio' ? e.expression.of : [e.expression.of]))),
  ];
  const url = renderTemplate(analysis.metricsUrl ?? '{{baseUrl}}/metrics', { ...vars });
  if (!/^https?:\/\//.test(url))
    throw new Error(`the metrics URL "${url}" is not absolute (no baseUrl from the target?)`);

  let previous = request.previous;
  if (!previous) previous = await scrapeCounters(url, selectors, deps.signal);
  if (request.driveLoadMs && analysis.load) await driveLoad(analysis.load, vars, request.driveLoadMs, deps.signal);
  else if (!request.previous) await sleep(FIRST_WINDOW_MS, deps.signal);
  const counters = await scrapeCounters(url, selectors, deps.signal);

  const increase = (selector: string): number | undefined => {
    const now = counters[selector];
    if (now === undefined) return undefined;
    const before = previous[selector] ?? 0;
    return now >= before ? now - before : now;
  };
  const values: Record<string, number | null> = {};
  for (const { name, expression } of expressions) {
    if (expression.kind === 'increase') values[name] = increase(expression.of) ?? null;
    else {
      const numerator = increase(expression.of[0]) ?? 0;
      const denominator = increase(expression.of[1]);
      // No traffic in the window: nothing to judge (inconclusive), not a ratio of 0.
      values[name] = denominator === undefined || denominator === 0 ? null : numerator / denominator;
    }
  }
  return { values, counters };
}

async function scrapeCounters(url: string, selectors: string[], signal?: AbortSignal): Promise<Record<string, number>> {
  const response = await fetch(url, { signal: withTimeout(signal) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  const samples = parseExposition(await response.text());
  const counters: Record<string, number> = {};
  for (const selector of selectors) {
    const sum = selectSum(samples, parseSelector(selector));
    if (sum !== undefined) counters[selector] = sum;
  }
  return counters;
}

// ------------------------------------------------------------------------------ load

/**
 * Synthetic traffic: `perSecond` GETs to {{baseUrl}}{{path}} for `ms`, spread evenly, not
 * waiting for each answer (a slow version must not slow the load down); heartbeats each second.
 * Answers are not judged here: the service's own counters (or Prometheus) are what is measured.
 */
export async function driveLoad(
  load: NonNullable<AnalysisConfig['load']>,
  vars: DeployVars,
  ms: number,
  signal?: AbortSignal,
): Promise<{ sent: number }> {
  if (!vars.baseUrl) throw new Error("analysis.load needs the target's baseUrl");
  const url = `${vars.baseUrl.replace(/\/+$/, '')}${renderTemplate(load.path, { ...vars })}`;
  const gapMs = 1_000 / Math.max(load.perSecond, 0.001);
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let lastBeat = started;
  while (Date.now() - started < ms) {
    const request = fetch(url, { signal: withTimeout(signal) })
      .then((response) => response.body?.cancel())
      .catch(() => undefined)
      .then(() => {
        inFlight.delete(request);
      });
    inFlight.add(request);
    sent++;
    if (Date.now() - lastBeat >= 1_000) {
      heartbeat({ load: sent });
      lastBeat = Date.now();
    }
    const next = started + sent * gapMs;
    await sleep(Math.max(0, Math.min(next - Date.now(), ms - (Date.now() - started))), signal);
  }
  await Promise.all(inFlight);
  return { sent };
}

function withTimeout(signal?: AbortSignal): AbortSignal {
  return signal
    ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
    : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
}
