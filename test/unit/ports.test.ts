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
  it('hands out ports below the kernel ephemeral range, and a server can listen on them', async () => {
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralStart);
      await close(await listen(port));
    }
  });

  it('never hands out a port twice in a row, nor the neighbour of the last one', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(200);
    // Random picks, not a walk up the range (a walk once handed out a port already in use).
    const neighbours = ports.slice(1).filter((port, i) => Math.abs(port - ports[i]!) <= 3).length;
    expect(neighbours).toBeLessThan(3);
  });
});
