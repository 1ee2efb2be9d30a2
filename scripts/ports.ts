import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { listenError } from '../platform/ports';

/**
 * A port free right now, for a server this process is about to start (tests, so they can run
 * beside `npm start`). Taken below the kernel's ephemeral range where there is room: a port
 * the kernel hands out for `listen(0)` is one it also hands out as the local port of outgoing
 * connections, and on a busy machine one of those took such a port before its server bound it
 * (the dev server's UI: "bind: address already in use", in CI). Below the range only another
 * caller of freePort could take it. Each pick is random, not the next one up: a walk up the
 * range once handed a chaos worker a metrics port already in use (by what, not found).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const range = portsBelowEphemeral();
  if (range) {
    const [low, high] = range;
    for (let tries = 0; tries < 200; tries++) {
      const port = low + randomInt(high - low);
      if (handedOut.has(port) || (await listenError(port, host))) continue;
      handedOut.add(port);
      if (handedOut.size > 1_000) handedOut.delete(handedOut.values().next().value!);
      return port;
    }
  }
  return kernelPort(host);
}

/** Ports this process handed out lately: not handed out again while their server may still be starting. */
const handedOut = new Set<number>();

/** Lowest port handed out: clear of the well-known and registered ports services here use (5432, 7233, 9090, ...). */
const LOWEST = 20_000;

/** [LOWEST, start of the ephemeral range), when the kernel says where that starts and it leaves room. */
function portsBelowEphemeral(): [number, number] | undefined {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start - LOWEST >= 2_000 ? [LOWEST, start] : undefined;
  } catch {
    return undefined; // not Linux: the kernel's choice
  }
}

function kernelPort(host: string): Promise<number> {
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
