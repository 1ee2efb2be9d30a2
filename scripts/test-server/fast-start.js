#!/usr/bin/env node
// Starts Temporal's Java time-skipping test server behind a port that answers at once.
//
// Why: the SDK spawns the test server and gives it a fixed 5 seconds to accept a gRPC
// connection, then kills it. A JVM on a loaded 2-core machine (jest runs two test files,
// each with its own server) sometimes needs longer, and the test file fails without having
// run. This process listens on the SDK's port within milliseconds, starts java on a free
// port beside it, and forwards each connection once java accepts it: the SDK's first
// connection simply waits for the JVM instead of timing out.
//
// Usage (by the wrapper scripts/provision-test-server.sh writes):
//   fast-start.js <classpath-file> <port> [test server args...]
// The SDK stops the server with SIGKILL, which this process cannot catch: java runs under a
// small shell that ends it as soon as this process is gone.
'use strict';
const net = require('node:net');
const { readFileSync } = require('node:fs');
const { spawn } = require('node:child_process');
const { setTimeout } = require('node:timers');

const [classpathFile, port, ...serverArgs] = process.argv.slice(2);
if (!classpathFile || !/^\d+$/.test(port ?? '')) {
  console.error('usage: fast-start.js <classpath-file> <port> [args...]');
  process.exit(2);
}
const classpath = readFileSync(classpathFile, 'utf8').trim();
const JAVA_OPTIONS = ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xss512k'];
const CONNECT_RETRY_MS = 50;

freePort().then((innerPort) => {
  const java = startJava(innerPort);
  const server = net.createServer((client) => forward(client, innerPort, java));
  server.on('error', (err) => {
    console.error(`fast-start: cannot listen on ${port}: ${err.message}`);
    java.kill();
    process.exit(1);
  });
  server.listen(Number(port));
  java.on('exit', (code) => process.exit(code ?? 1));
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => java.kill(signal));
});

function startJava(innerPort) {
  // The shell keeps java only while this process lives (its pid is checked twice a second).
  const watch = 'java "$@" & child=$!; trap \'kill $child 2>/dev/null\' TERM INT; ' +
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done; ` +
    'kill $child 2>/dev/null; wait $child';
  const args = [...JAVA_OPTIONS, '-cp', classpath, 'io.temporal.testserver.TestServer', String(innerPort), ...serverArgs];
  return spawn('sh', ['-c', watch, 'sh', ...args], { stdio: 'inherit' });
}

/** Pipes `client` to java once java accepts connections; bytes the client sends meanwhile wait in its socket. */
function forward(client, innerPort, java) {
  client.pause();
  client.on('error', () => undefined);
  const attempt = () => {
    if (client.destroyed || java.exitCode !== null) return client.destroy();
    const upstream = net.connect(innerPort, '127.0.0.1');
    upstream.once('connect', () => {
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', () => setTimeout(attempt, CONNECT_RETRY_MS));
  };
  attempt();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
}
