import { Context } from '@temporalio/activity';
import type { DeployVars, HealthOutcome } from './deploy-activity-types';
import type { HealthConfig, HttpCheck } from '../../domain/deploy/deploy-types';
import { renderTemplate } from '../../domain/deploy/templates';
import { durationToMs } from '../../domain/durations';

/** A check without `maxLatencyMs` still gives up on a server that never answers. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Bodies are read only to match `bodyMatch`; beyond this the rest is not looked at. */
const MAX_BODY_CHARS = 256 * 1024;

export interface CheckResult {
  name: string;
  ok: boolean;
  /** `healthz: 200 in 12 ms` or `healthz: expected 200, got 503`. */
  line: string;
}

/** Where a check goes: its URL (templated), or its path under {{baseUrl}}. */
export function checkUrl(check: HttpCheck, vars: DeployVars): string {
  const render = (template: string) => renderTemplate(template, { ...vars });
  if (check.url) return render(check.url);
  if (!vars.baseUrl)
    throw new Error(
      `check ${check.name}: a path (${check.path}) needs the target's baseUrl, and the target named none`,
    );
  return `${vars.baseUrl.replace(/\/+$/, '')}${render(check.path ?? '/')}`;
}

/** One HTTP check, once: status, body match and latency; never throws (a failure is a result). */
export async function runCheck(check: HttpCheck, vars: DeployVars, signal?: AbortSignal): Promise<CheckResult> {
  const fail = (why: string): CheckResult => ({ name: check.name, ok: false, line: `${check.name}: ${why}` });
  let url: string;
  try {
    url = checkUrl(check, vars);
  } catch (err) {
    return fail((err as Error).message);
  }
  const limitMs = check.maxLatencyMs !== undefined ? check.maxLatencyMs + 1_000 : DEFAULT_REQUEST_TIMEOUT_MS;
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: check.method,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(limitMs)]) : AbortSignal.timeout(limitMs),
    });
    const body = check.bodyMatch !== undefined && check.method !== 'HEAD' ? await response.text() : undefined;
    if (body === undefined) await response.body?.cancel();
    const ms = Math.round(performance.now() - started);
    if (response.status !== check.expectStatus)
      return fail(`${check.method} ${url}: expected ${check.expectStatus}, got ${response.status}`);
    if (check.bodyMatch !== undefined && !new RegExp(check.bodyMatch).test((body ?? '').slice(0, MAX_BODY_CHARS)))
      return fail(`${check.method} ${url}: body does not match /${check.bodyMatch}/`);
    if (check.maxLatencyMs !== undefined && ms > check.maxLatencyMs)
      return fail(`${check.method} ${url}: ${ms} ms, over ${check.maxLatencyMs} ms`);
    return { name: check.name, ok: true, line: `${check.name}: ${response.status} in ${ms} ms` };
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${ms} ms`
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    return fail(`${check.method} ${url}: ${why}`);
  }
}

/** Every check once, side by side. */
export async function runRound(checks: HttpCheck[], vars: DeployVars, signal?: AbortSignal): Promise<CheckResult[]> {
  return Promise.all(checks.map((check) => runCheck(check, vars, signal)));
}

/** Smoke tests: each check once; the detail names every failing one (or says how many passed). */
export async function runSmokeTests(checks: HttpCheck[], vars: DeployVars): Promise<HealthOutcome> {
  const results = await runRound(checks, vars, activitySignal());
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) return { ok: false, detail: failed.map((r) => r.line).join('\n') };
  return { ok: true, detail: `${results.length} smoke test${results.length === 1 ? '' : 's'} passed` };
}

/**
 * Health: rounds of every check `interval` apart until `successes` consecutive rounds pass
 * (ok) or the next round could not end within `timeout` (not ok; the detail names the checks
 * that failed last, and how far it got). Heartbeats each round, so a workflow can give the
 * activity a heartbeat timeout shorter than the health timeout and cancel it.
 */
export async function runHealthChecks(health: HealthConfig, vars: DeployVars): Promise<HealthOutcome> {
  const intervalMs = durationToMs(health.interval);
  const deadline = Date.now() + durationToMs(health.timeout);
  const signal = activitySignal();
  let streak = 0;
  let rounds = 0;
  let lastFailure: CheckResult[] = [];
  for (;;) {
    rounds++;
    heartbeat({ round: rounds, streak });
    const results = await runRound(health.checks, vars, signal);
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) streak++;
    else {
      streak = 0;
      lastFailure = failed;
    }
    if (streak >= health.successes)
      return {
        ok: true,
        detail: `${streak} consecutive round${streak === 1 ? '' : 's'} passed (${rounds} in all): ${results.map((r) => r.line).join('; ')}`,
      };
    if (Date.now() + intervalMs > deadline) {
      const failing = lastFailure.map((r) => r.line).join('\n');
      return {
        ok: false,
        detail: `${failing}\n(${streak} of ${health.successes} consecutive passing rounds within ${health.timeout}, ${rounds} rounds)`,
      };
    }
    await sleep(intervalMs, signal);
  }
}

function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Heartbeats when run as an activity; a plain call (tests, tools) has nothing to beat to. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}

/** A sleep that ends early (rejecting) when the activity is cancelled. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
