/**
 * Waits `ms`, or less: it resolves (never rejects) as soon as `signal` aborts, so a follower's
 * loop can check the signal after it and end quietly.
 */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
