import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort } from '../../scripts/ports';

const listen = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
  });
const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe('freePort', () => {
  it('hands out ports below the kernel ephemeral range, never one in use, and a server can listen on them', async () => {
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    const first = await freePort();
    expect(first).toBeGreaterThanOrEqual(20_000);
    expect(first).toBeLessThan(ephemeralStart);
    // The ports the walk would give next are taken: it steps past them.
    const taken = [first, first + 1, first + 2].filter((port) => port < ephemeralStart);
    const held = await Promise.all(taken.map(listen));
    try {
      const next = await freePort();
      expect(taken).not.toContain(next);
      expect(next).toBeLessThan(ephemeralStart);
      await close(await listen(next));
    } finally {
      await Promise.all(held.map(close));
    }
  });

  it('does not hand out the same port twice in a row', async () => {
    const ports = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
  });
});
