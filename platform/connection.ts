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
  const client = { interceptors: [retryWithinDeadline()], channelArgs: RECONNECT_QUICKLY };
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
 * gRPC waits longer and longer between reconnection attempts while a server is down (up to
 * 2 minutes), and calls fail at once in between: after a long outage the client would see
 * Temporal back only minutes later. Trying every 2 s at most, it answers again within 2 s.
 */
const RECONNECT_QUICKLY = { 'grpc.max_reconnect_backoff_ms': 2000 };

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * The client's gRPC retry: the SDK's default (UNAVAILABLE and other transient failures, 10
 * attempts over about 20 s), except that a call with a deadline (client/api/temporal-deadline.ts)
 * is not retried past it: it fails with its last status when the next attempt would come too
 * late. The SDK's own retry waits out its backoff regardless, so an unreachable Temporal would
 * answer after the deadline, and a retry timer firing after the connection closed throws
 * "Channel has been shut down" where no caller can catch it.
 */
function retryWithinDeadline(): GrpcInterceptor {
  const retry = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const deadline = options.deadline instanceof Date ? options.deadline.getTime() : (options.deadline ?? Infinity);
    let delay = 0;
    return makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => {
        if (!retry.retryableDecider(attempt, status)) return false;
        delay = retry.delayFunction(attempt, status);
        return Date.now() + delay < deadline;
      },
      delayFunction: () => delay,
    })(options, nextCall);
  };
}
