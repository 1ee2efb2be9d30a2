import net from 'node:net';

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
