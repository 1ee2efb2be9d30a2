'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS that node runs as it is, no build step */
// example-web: the service the deployment example and its tests roll out. No dependencies.
//   /healthz  200 "ok" (in every version: a broken release still passes its health check)
//   /metrics  Prometheus text: http_requests_total{code,version} (requests to /) and example_web_info{version}
//   /         200 "hello from <version>", or 500 at the release's errorRate
// Each version folder holds release.json {version, errorRate} beside a symlink to this file; a
// release is copied with symlinks dereferenced, so this one source serves every version.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { setTimeout } = require('node:timers');
const { URL } = require('node:url');

// The release folder: where the start command ran it from (a symlinked server.js resolves to the
// shared file, whose folder has no release.json), else beside the script.
const releaseFile = [process.cwd(), path.dirname(process.argv[1] || ''), __dirname]
  .map((dir) => path.join(dir, 'release.json'))
  .find((file) => fs.existsSync(file));
const release = releaseFile ? JSON.parse(fs.readFileSync(releaseFile, 'utf8')) : {};
const version = process.env.ARXFLOW_VERSION || String(release.version || '0.0.0');
const errorRate = Math.min(1, Math.max(0, Number(release.errorRate) || 0));
const port = Number(process.env.PORT || 8080);

const counts = { 200: 0, 500: 0 };
let served = 0;

// Deterministic: request n fails when floor(n * rate) grows, so exactly `rate` of every run of
// requests fails (0.5: every second one; 0.1: every tenth) and tests are never flaky.
function fails() {
  served += 1;
  return Math.floor(served * errorRate) > Math.floor((served - 1) * errorRate);
}

function metrics() {
  return [
    '# HELP http_requests_total Requests to / by status code.',
    '# TYPE http_requests_total counter',
    ...['200', '500'].map((code) => `http_requests_total{code="${code}",version="${version}"} ${counts[code]}`),
    '# HELP example_web_info The version this process serves.',
    '# TYPE example_web_info gauge',
    `example_web_info{version="${version}"} 1`,
    '',
  ].join('\n');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://localhost');
  const reply = (status, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'x-example-web-version': version });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (url.pathname === '/healthz') return reply(200, 'ok\n');
  if (url.pathname === '/metrics') return reply(200, metrics(), 'text/plain; version=0.0.4; charset=utf-8');
  if (url.pathname !== '/') return reply(404, 'not found\n');
  const code = fails() ? 500 : 200;
  counts[code] += 1;
  return reply(code, code === 200 ? `hello from ${version}\n` : `error from ${version}\n`);
});

server.listen(port, '127.0.0.1', () => console.log(`example-web ${version} listening on 127.0.0.1:${port}`));

function stop(signal) {
  console.log(`example-web ${version}: ${signal}, stopping`);
  // Requests under way finish (idle keep-alive connections close now); whatever is left after a second is cut.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 1000).unref();
}
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
