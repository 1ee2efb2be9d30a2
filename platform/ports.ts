import net from 'node:net';

/**
 * Resolves when `port` can be bound on `host` by us alone (the service's own ports, a deploy
 * slot's); otherwise throws naming the port, `what` it is for, and `remedy` (the setting that
 * moves it, or another port).
 */
export async function assertPortFree(port: number, host: string, what: string, remedy: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use on ${host} (${what}): stop what uses it or ${remedy}`
            : `cannot listen on ${host}:${port} (${what}): ${err.message}`,
        ),
      ),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}
