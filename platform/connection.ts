import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Settings } from '../domain/settings';

export interface TemporalTarget {
  /** For a worker's NativeConnection and a client's Connection (which alone uses `interceptors` and `channelArgs`). */
  connectionOptions: NativeConnectionOptions & Pick<ConnectionOptions, 'interceptors' | 'channelArgs'>;
  namespace: string;
}

/**
 * Where to reach Temporal. TEMPORAL_ADDRESS set: Temporal's environment conventions
 * (TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* paths, config profile) through
 * @temporalio/envconfig. Unset: the dev server that `npm start` runs on loopback.
 */
export function temporalTarget(settings: Settings): TemporalTarget {
  const client = clientConnectionOptions();
  if (!settings.temporalAddress) {
    return {
      connectionOptions: { address: `127.0.0.1:${settings.devServer.port}`, ...client },
      namespace: settings.namespace,
    };
  }
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: settings.temporalAddress, ...client },
    namespace: namespace ?? settings.namespace,
  };
}

/**
 * What a client Connection of ours adds to the address (workers' NativeConnection ignores both):
 * retries bounded by the call's deadline and by UNREACHABLE_BUDGET_MS, and quick reconnection.
 * Bounded retries also mean no retry timer fires after the connection has closed (the SDK's
 * default one can, and then throws "Channel has been shut down" where nobody can catch it).
 */
export function clientConnectionOptions(): Pick<ConnectionOptions, 'interceptors' | 'channelArgs'> {
  return { interceptors: [retryWithinDeadline()], channelArgs: RECONNECT_QUICKLY };
}

/**
 * gRPC waits longer and longer between reconnection attempts while a server is down (up to
 * 2 minutes), and calls fail at once in between: after a long outage the client would see
 * Temporal back only minutes later. Trying every 2 s at most, it answers again within 2 s.
 */
const RECONNECT_QUICKLY = { 'grpc.max_reconnect_backoff_ms': 2000 };

/** gRPC status codes we act on (grpc-js's `status`, not a dependency of ours). */
export const GRPC_DEADLINE_EXCEEDED = 4;
export const GRPC_UNAVAILABLE = 14;

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * How long a call without a deadline of its own keeps retrying while Temporal cannot be reached
 * at all (UNAVAILABLE): a route that did not set one (schedules, webhooks, alert intake) still
 * answers 503 within about 2 s, and the CLI says "cannot reach" without waiting 20 s.
 */
const UNREACHABLE_BUDGET_MS = 1500;

/**
 * The client's gRPC retry: the SDK's default (UNAVAILABLE and other transient failures, 10
 * attempts over about 20 s), except that a call with a deadline (client/api/temporal-deadline.ts)
 * is not retried past it, and an unreachable Temporal not past UNREACHABLE_BUDGET_MS: it fails
 * with its last status when the next attempt would come too late. The SDK's own retry waits out
 * its backoff regardless, so an unreachable Temporal would answer after the deadline.
 *
 * A retry whose connection closed during the backoff fails with its last status too: grpc-js
 * throws "Channel has been shut down" from the SDK's retry timer otherwise, where no caller can
 * catch it (it surfaced in whatever ran next in the process).
 */
function retryWithinDeadline(): GrpcInterceptor {
  const retry = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const deadline = options.deadline instanceof Date ? options.deadline.getTime() : (options.deadline ?? Infinity);
    const unreachableUntil = Date.now() + UNREACHABLE_BUDGET_MS;
    let delay = 0;
    let lastStatus: GrpcStatus | undefined;
    let channelClosed = false;
    const nextCallWhileOpen: typeof nextCall = (callOptions) => {
      try {
        return nextCall(callOptions);
      } catch (err) {
        if (!lastStatus) throw err; // the first attempt: the caller's own call throws, as without us
        channelClosed = true;
        return endedCall(lastStatus);
      }
    };
    return makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => {
        lastStatus = status;
        if (channelClosed || !retry.retryableDecider(attempt, status)) return false;
        delay = retry.delayFunction(attempt, status);
        const giveUpAt = status.code === GRPC_UNAVAILABLE ? Math.min(deadline, unreachableUntil) : deadline;
        return Date.now() + delay < giveUpAt;
      },
      delayFunction: () => delay,
    })(options, nextCallWhileOpen);
  };
}

type GrpcStatus = Parameters<ReturnType<typeof defaultGrpcRetryOptions>['retryableDecider']>[1];
type GrpcCall = ReturnType<Parameters<GrpcInterceptor>[1]>;

/**
 * A call that ends at once with `status` (the previous attempt's, a real one: the SDK's retry
 * hands it on as the call's outcome). The SDK's retry only starts it, sends and half-closes.
 */
function endedCall(status: GrpcStatus): GrpcCall {
  const ended: Pick<GrpcCall, 'start' | 'sendMessage' | 'halfClose'> = {
    start: (_metadata, listener) => setImmediate(() => listener?.onReceiveStatus?.(status)),
    sendMessage: () => undefined,
    halfClose: () => undefined,
  };
  return ended as GrpcCall;
}
