'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: node runs it without tsx or a build step */
/**
 * The local target's reverse proxy: `node proxy.cjs <runDir> <port>`. It listens on 127.0.0.1:<port>
 * and sends each request to one of the backends in `<runDir>/routes.json`
 * ({"backends": [{"version", "port", "weight"}]}), by smooth weighted round-robin: deterministic,
 * so a weight of 10 against 90 is exactly 1 request in every 10. It runs as its own detached
 * process (started by local-target.ts), so traffic keeps flowing while no worker runs; the target
 * changes traffic only by replacing routes.json (write + rename), which this process notices on
 * the next request (one stat per request: a switch takes effect the moment the rename is done).
 * Once listening it writes `<runDir>/proxy.json` {pid, port}: that is how a target finds it again.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const [runDir, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!runDir || !Number.isInteger(port) || port <= 0) {
  console.error('usage: node proxy.cjs <runDir> <port>');
  process.exit(2);
}
const routesFile = path.join(runDir, 'routes.json');
const pidFile = path.join(runDir, 'proxy.json');

let backends = [];
let seen = '';

/** Reloads routes.json when it changed (inode, size or mtime); counters start afresh with new weights. */
function currentBackends() {
  const stat = fs.statSync(routesFile, { throwIfNoEntry: false });
  const key = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : 'none';
  if (key !== seen) {
    seen = key;
    try {
      const routes = stat ? JSON.parse(fs.readFileSync(routesFile, 'utf8')) : { backends: [] };
      backends = (routes.backends || [])
        .filter((b) => Number.isInteger(b.port) && b.weight > 0)
        .map((b) => ({ version: String(b.version), port: b.port, weight: b.weight, current: 0 }));
      console.log(`routes: ${backends.map((b) => `${b.version}@${b.port}=${b.weight}`).join(' ') || 'none'}`);
    } catch (err) {
      // Half-written files cannot happen (the target renames), but a hand edit can: keep the last good routes.
      console.error(`routes.json unreadable, keeping the previous routes: ${err.message}`);
    }
  }
  return backends;
}

/** nginx's smooth weighted round-robin: each pick adds every weight and takes the highest. */
function pick() {
  const list = currentBackends();
  let best;
  let total = 0;
  for (const backend of list) {
    backend.current += backend.weight;
    total += backend.weight;
    if (!best || backend.current > best.current) best = backend;
  }
  if (best) best.current -= total;
  return best;
}

const server = http.createServer((req, res) => {
  const backend = pick();
  if (!backend) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('no version of this service is serving\n');
    return;
  }
  const upstream = http.request(
    { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode || 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`version ${backend.version} did not answer: ${err.message}\n`);
    } else res.destroy();
  });
  req.pipe(upstream);
});

server.on('error', (err) => {
  console.error(`proxy cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const tmp = `${pidFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString() })}\n`);
  fs.renameSync(tmp, pidFile);
  console.log(`proxy ${process.pid} listening on 127.0.0.1:${port}`);
});

function stop(signal) {
  console.log(`proxy ${process.pid}: ${signal}, stopping`);
  try {
    if (JSON.parse(fs.readFileSync(pidFile, 'utf8')).pid === process.pid) fs.rmSync(pidFile, { force: true });
  } catch {
    // no pid file, or another proxy's: leave it
  }
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
