import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/ports';

/**
 * A server binary of the Prometheus family (Prometheus, Alertmanager) started by a test on
 * loopback: they share the flags (--config.file, --web.listen-address, --log.level) and the
 * readiness endpoint (/-/ready), so one starter serves both.
 */

/** The first of `$<envVar>` and `candidates` that exists; otherwise an error saying how to install it. */
export function findBinary(envVar: string, candidates: string[], notFound: string): string {
  const found = [process.env[envVar], ...candidates].find((file): file is string => !!file && existsSync(file));
  if (!found) throw new Error(notFound);
  return found;
}

export interface BinaryServerOptions {
  /** Named in errors ("Prometheus exited (1): ..."). */
  name: string;
  binary: string;
  /** The config file: its name in the server's temp dir, its text, its mode (0o600 when it holds a secret). */
  config: { file: string; text: string; mode?: number };
  /** Flags besides the config file, listen address and log level, given the server's temp dir (for its storage). */
  args(dir: string): string[];
  readyTimeoutMs: number;
}

export interface RunningBinaryServer {
  url: string;
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then the temp dir removed. */
  stop(): Promise<void>;
}

/** Starts `binary` on a free loopback port with its own temp dir; resolves once /-/ready answers 200. */
export async function startBinaryServer(options: BinaryServerOptions): Promise<RunningBinaryServer> {
  const { name } = options;
  const dir = mkdtempSync(path.join(tmpdir(), `arxflow-${name.toLowerCase()}-`));
  const configFile = path.join(dir, options.config.file);
  writeFileSync(configFile, options.config.text, options.config.mode ? { mode: options.config.mode } : {});
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    options.binary,
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...options.args(dir)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    let failure: string | undefined;
    if (child.exitCode !== null) failure = `${name} exited (${child.exitCode})`;
    else if (
      await fetch(`${url}/-/ready`).then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    else if (Date.now() > deadline) failure = `${name} not ready after ${options.readyTimeoutMs} ms`;
    if (failure) {
      await stop();
      throw new Error(`${failure}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output: () => output, stop };
}
