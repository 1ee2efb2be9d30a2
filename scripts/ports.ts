import net from 'node:net';

/** Resolves when `port` can be bound on `host`; otherwise throws naming the port and the setting that moves it. */
export async function assertPortFree(port: number, host: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use on ${host}: stop what uses it or set ${setting} to another port`
            : `cannot listen on ${host}:${port} (${setting}): ${err.message}`,
        ),
      ),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A port the OS just handed out as free (tests, so they can run beside `npm start`). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The URL a client on this machine uses for a server listening on `host`: a wildcard address
 * (0.0.0.0, ::) is not one to connect to, so it becomes the loopback of its family.
 */
export function reachableUrl(host: string, port: number): string {
  const connectTo = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${net.isIPv6(connectTo) ? `[${connectTo}]` : connectTo}:${port}`;
}
