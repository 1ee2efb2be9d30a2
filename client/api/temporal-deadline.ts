import type { Client } from '@temporalio/client';
import { unavailable } from './errors';

/**
 * How long a call Temporal answers at once (start, list, describe, signal) may take before
 * Temporal counts as unreachable (503), so the gateway answers within about 2 s. Calls that
 * wait for workers (updates, queries, results) get no such deadline: slow is not unreachable.
 */
const QUICK_CALL_MS = 1500;
let quickCallMs = QUICK_CALL_MS;

/**
 * Changes the deadline of quick calls for this process. For gateways in front of Temporal's
 * time-skipping test server only: that server is a JVM, and on a loaded 2-core CI machine it
 * may take longer than 1.5 s to answer a start, which is slow, not unreachable.
 */
export function setQuickCallDeadline(ms: number): void {
  quickCallMs = ms;
}

/**
 * Runs `call` (Temporal calls through `client`) with a gRPC deadline `ms` from now, and gives up
 * at that time even if the SDK's retry of UNAVAILABLE is between attempts then (its backoff
 * would otherwise run on past the deadline): the answer is then a 503.
 */
export async function withinDeadline<T>(
  client: Pick<Client, 'withDeadline'>,
  call: () => Promise<T>,
  ms: number = quickCallMs,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable(`Temporal did not answer within ${ms} ms`)), ms);
  });
  const answered = client.withDeadline(Date.now() + ms, call);
  answered.catch(() => undefined); // once the deadline has answered, a later failure is nobody's to handle
  try {
    return await Promise.race([answered, expired]);
  } finally {
    clearTimeout(timer);
  }
}
