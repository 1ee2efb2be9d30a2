import net from 'node:net';

/**
 * Resolves when `port` can be bound on `host` by us alone (the service's own ports, a deploy
 * slot's); otherwise throws naming the port, `what` it is for, and `remedy` (the setting that
 * moves it, or another port).
 */
export async function assertPortFree(port: number, host: string, what: string, remedy: string): Promise<void> {
  const err = await listenError(port, host);
  if (!err) return;
  throw new Error(
    err.code === 'EADDRINUSE'
      ? `port ${port} is already in use on ${host} (${what}): stop what uses it or ${remedy}`
      : `cannot listen on ${host}:${port} (${what}): ${err.message}`,
  );
}

/** Why `port` cannot be bound on `host` by us alone right now (it is released again at once), or undefined when it can. */
export function listenError(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
