import { Context } from '@temporalio/activity';

/** How often a waiting activity heartbeats when its workflow set no heartbeat timeout. */
const DEFAULT_INTERVAL_MS = 5_000;

/**
 * Runs `work` (an outbound call: a payment provider, SMTP, Slack, a webhook) while the
 * activity heartbeats on an interval, so a workflow that gives the activity a short
 * `heartbeatTimeout` notices a dead worker in seconds instead of after the start-to-close
 * limit, and retries it on another worker (the calls here are idempotent by key).
 *
 * Cancellation is honoured: `work` gets the activity's cancellation signal (hand it to
 * fetch or a client that takes one), and the wait ends with the SDK's CancelledFailure as
 * soon as the worker learns of the cancellation (from the answer to a beat), even when
 * `work` ignores the signal. A call left running that way is harmless for the same reason
 * a retry is: its key makes it the same call. Outside an activity (a plain function call)
 * `work` simply runs.
 */
export async function heartbeating<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = activityContext();
  if (!context) return work(new AbortController().signal);
  // The worker throttles heartbeats to the server (at most one per 80% of the timeout), so a
  // local beat at a third of the timeout is cheap and always lands in time. None at the start:
  // the worker sends a first beat to the server at once, a write on the server for every call
  // (most end within milliseconds), and the timeout counts from the attempt's start anyway.
  const timeoutMs = context.info.heartbeatTimeoutMs;
  const intervalMs = timeoutMs ? Math.max(200, Math.floor(timeoutMs / 3)) : DEFAULT_INTERVAL_MS;
  const timer = setInterval(() => context.heartbeat(), intervalMs);
  try {
    const running = work(context.cancellationSignal);
    // Abandoned when cancelled: its own failure must not surface as an unhandled rejection.
    running.catch(() => undefined);
    return await Promise.race([running, context.cancelled]);
  } finally {
    clearInterval(timer);
  }
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
