/**
 * Every command of the CLI (walked from its commander program) fed malformed arguments, option
 * values and files: run through `run(argv)` of cli/main.ts, which is exactly what bin/arxflow.js
 * runs, in this process (a child process costs about a second), and a sample of the same cases as
 * real child processes of bin/arxflow.js. Per case: exit 0, 1 or 2 (2 when the command line itself
 * is wrong: a missing argument, an unknown option), no stack trace or uncaught error text, no
 * crash, no hang over 10 s; a case refused as bad input (exit 2) writes no store row. The CLI goes
 * through the fuzzed gateway (ARXFLOW_URL); Temporal directly is pointed at a closed port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import fc from 'fast-check';
import { buildProgram, run } from '../../cli/main';
import { badString, describe, encode, malformedDocument, type Fuzzed } from './malformed';
import { FILE_FORMATS, malformedFile } from './file-fuzz';
import { HANG_MS, Tally, timed } from './tally';
import { rowChanges, type FuzzWorld } from './world';
import { documentSyncWorkflowId } from '../../domain/sync/sync-types';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'arxflow.js');

/** Commands that wait by design for what never comes here (a stdio client, stream events): not fuzzed. */
export const CLI_SKIPPED: Readonly<Record<string, string>> = {
  mcp: 'a stdio MCP server: it serves until its client closes stdin',
  watch: 'follows the event stream until stopped',
  'sync watch': "follows a document's events until stopped",
};
/** Commands whose valid form starts a workflow and waits for its answer (an update with start). */
const WAITS_FOR_A_WORKER: Readonly<Record<string, string>> = {
  'sync commit': "starts the document's sync/<id> workflow (documentSyncWorkflowId) and waits for the commit",
};
/** Options that wait for a workflow no worker runs here, or read stdin. */
const WAITING_OPTIONS = ['--wait', '--watch', '--follow', '--stdin'];

export interface CliCommand {
  name: string;
  args: { name: string; required: boolean; variadic: boolean }[];
  options: { flag: string; takesValue: boolean; mandatory: boolean }[];
}

/** Every leaf command of the program, with its arguments and options. */
export function cliCommands(): CliCommand[] {
  const out: CliCommand[] = [];
  const walk = (command: Command, names: string[]) => {
    if (command.commands.length === 0) {
      out.push({
        name: names.join(' '),
        args: command.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
        options: command.options
          .filter((o) => o.long && !WAITING_OPTIONS.includes(o.long))
          .map((o) => ({ flag: o.long as string, takesValue: o.required || o.optional, mandatory: o.mandatory })),
      });
      return;
    }
    for (const sub of command.commands) walk(sub, [...names, sub.name()]);
  };
  walk(buildProgram(), []);
  return out;
}

type FileValue = { file: Buffer | 'missing' | 'directory' | '/dev/null' | '/dev/zero' | 'named pipe'; label: string };
type Value = string | FileValue;

interface CliCase {
  mode: 'shaped' | 'missing' | 'unknown-option';
  args: Value[];
  options: [string, Value | undefined][];
}

/** A FIFO in the cases' folder that nothing writes to: a command that opened it to read would wait forever. */
const NAMED_PIPE = 'named-pipe';

const isFileArg = (name: string) => /file|\.json|path/i.test(name);
const numberish = fc.constantFrom('NaN', '1e400', '-1', '-0.5', '0', '1.5', '9007199254740993', 'Infinity', '0x10', '');
const cliString: fc.Arbitrary<string> = fc.oneof(badString, numberish, fc.constantFrom('--', '-x', '{', '{"a":', '[]'));

function fileValue(command: string): fc.Arbitrary<FileValue> {
  // The format the command reads, where one is known: a broken file of its shape; else any malformed document.
  const format = FILE_FORMATS.find((f) =>
    command === 'compliance check'
      ? f.name.startsWith('plan')
      : command === 'funding start'
        ? f.name.startsWith('draw')
        : command === 'funding program publish'
          ? f.name.startsWith('funding program')
          : command === 'sync commit'
            ? f.name.startsWith('sync document')
            : command === 'quality evaluate' && f.name.startsWith('quality'),
  );
  const contents = format
    ? malformedFile(format).map(({ bytes, label }) => ({ file: bytes, label }))
    : malformedDocument.map((value: Fuzzed) => ({ file: encode(value), label: describe(value) }));
  return fc.oneof(
    { arbitrary: contents, weight: 6 },
    {
      arbitrary: fc.constantFrom<FileValue>(
        { file: 'missing', label: '(no such file)' },
        { file: 'directory', label: '(a directory)' },
        { file: '/dev/null', label: '/dev/null' },
        // Endless or never ending: read whole, /dev/zero aborted the process (std::bad_alloc).
        { file: '/dev/zero', label: '/dev/zero' },
        { file: 'named pipe', label: '(a named pipe nobody writes to)' },
      ),
      weight: 1,
    },
  );
}

function caseArbitrary(command: CliCommand): fc.Arbitrary<CliCase> {
  const valueFor = (name: string): fc.Arbitrary<Value> => (isFileArg(name) ? fileValue(command.name) : cliString);
  const mandatory = command.options.filter((o) => o.mandatory);
  const optional = command.options.filter((o) => !o.mandatory);
  const optionValue = (o: CliCommand['options'][number]) =>
    o.takesValue
      ? valueFor(o.flag).map((v) => [o.flag, v] as [string, Value | undefined])
      : fc.constant([o.flag, undefined] as [string, Value | undefined]);
  const options = fc
    .tuple(
      fc.tuple(...mandatory.map(optionValue)),
      optional.length
        ? fc
            .subarray(optional, { maxLength: Math.min(3, optional.length) })
            .chain((chosen) => fc.tuple(...chosen.map(optionValue)))
        : fc.constant([]),
    )
    .map(([m, o]) => [...m, ...o]);
  const args = fc.tuple(...command.args.map((a) => valueFor(a.name)));
  const canMiss = command.args.some((a) => a.required) || mandatory.length > 0;
  return fc.record({
    mode: fc.oneof(
      { arbitrary: fc.constant('shaped' as const), weight: 8 },
      { arbitrary: fc.constant(canMiss ? ('missing' as const) : ('unknown-option' as const)), weight: 1 },
      { arbitrary: fc.constant('unknown-option' as const), weight: 1 },
    ),
    args,
    options,
  });
}

/** The command line of a case; files are written under `dir`. */
function argvOf(command: CliCommand, c: CliCase, dir: string, n: number, forChild: boolean): string[] {
  const text = (value: Value, i: number): string => {
    if (typeof value === 'string') {
      // A child's argv cannot hold NUL, nor one argument over 128 KiB (E2BIG).
      return forChild ? value.replace(/\0/g, '').slice(0, 100_000) : value;
    }
    if (value.file === 'missing') return path.join(dir, 'no-such-file.json');
    if (value.file === 'directory') return dir;
    if (value.file === '/dev/null' || value.file === '/dev/zero') return value.file;
    if (value.file === 'named pipe') return path.join(dir, NAMED_PIPE);
    const file = path.join(dir, `case-${n}-${i}.json`);
    writeFileSync(file, value.file);
    return file;
  };
  let args = c.args.map(text);
  let options = c.options;
  if (c.mode === 'missing') {
    const required = command.args.filter((a) => a.required).length;
    if (required > 0) args = args.slice(0, required - 1);
    else options = options.filter(([flag]) => !command.options.find((o) => o.flag === flag)?.mandatory);
  }
  const optionArgs = options.flatMap(([flag, value], i) =>
    value === undefined ? [flag] : [flag, text(value, 100 + i)],
  );
  // An unknown option right after the command: after a `--` argument it would be a positional.
  return [
    ...command.name.split(' '),
    ...(c.mode === 'unknown-option' ? ['--no-such-option'] : []),
    ...args,
    ...optionArgs,
  ];
}

const label = (command: CliCommand, c: CliCase): string =>
  `arxflow ${command.name} [${c.mode}] args=${c.args.map((a) => (typeof a === 'string' ? describe(a, 60) : a.label.slice(0, 60))).join(' | ')} options=${c.options.map(([f, v]) => `${f} ${v === undefined ? '' : typeof v === 'string' ? describe(v, 40) : v.label.slice(0, 40)}`).join(' ')}`;

const STACK_TRACE =
  /\n\s+at .+:\d+:\d+|Cannot read propert|is not a function|is not iterable|Maximum call stack|FATAL ERROR|Unhandled|uncaught/i;

interface CliAnswer {
  status: number | null;
  output: string;
  crash?: string;
}

/** Runs argv in this process with console and stdout/stderr captured and `env` set for the call. */
async function runInProcess(argv: string[], env: Record<string, string>, crashes: string[]): Promise<CliAnswer> {
  const output: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const originals = {
    log: console.log,
    error: console.error,
    warn: console.warn,
    info: console.info,
    out: process.stdout.write,
    err: process.stderr.write,
  };
  const capture = (...parts: unknown[]) => void output.push(parts.map(String).join(' '));
  console.log = console.error = console.warn = console.info = capture;
  process.stdout.write = process.stderr.write = ((chunk: string | Uint8Array) =>
    !!output.push(String(chunk))) as typeof process.stdout.write;
  const before = crashes.length;
  try {
    const status = await run(['node', 'arxflow', ...argv]);
    return { status, output: output.join('\n'), crash: crashes.slice(before).join('; ') || undefined };
  } catch (err) {
    return { status: null, output: output.join('\n'), crash: `run() threw: ${(err as Error)?.stack ?? String(err)}` };
  } finally {
    Object.assign(console, { log: originals.log, error: originals.error, warn: originals.warn, info: originals.info });
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    process.env = saved;
  }
}

/** Runs argv as a child process of bin/arxflow.js; killed (a hang) after `limitMs`. */
function runChild(
  argv: string[],
  env: Record<string, string>,
  limitMs: number,
): Promise<CliAnswer & { hung?: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', (err) => resolve({ status: null, output, crash: `spawn: ${err.message}` }));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, output, hung, crash: signal && !hung ? `killed by ${signal}` : undefined });
    });
  });
}

/**
 * For a command whose valid form starts a workflow and waits for a worker (WAITS_FOR_A_WORKER):
 * watches for that workflow while the command runs and terminates it as soon as it runs, so the
 * command gets its answer now instead of waiting out the gateway client's 60 s (which also left
 * the gateway's update poll running past the world's close: jest's open handle). `stop()` ends
 * the watch and says whether the command started one (validation passed: accepted).
 */
function watchForStart(world: FuzzWorld, command: CliCommand, c: CliCase): { stop: () => Promise<boolean> } {
  const documentId = c.args[0];
  if (!(command.name in WAITS_FOR_A_WORKER) || typeof documentId !== 'string') return { stop: async () => false };
  let stopped = false;
  const watching = (async () => {
    const handle = world.env.client.workflow.getHandle(documentSyncWorkflowId(documentId));
    while (!stopped) {
      // Describe, not existence: an earlier case with the same id left a terminated run behind.
      const status = await handle.describe().then(
        (d) => d.status.name,
        () => undefined,
      );
      if (status === 'RUNNING') {
        await handle.terminate('bad-input fuzz: no worker runs here; the command was accepted').catch(() => undefined);
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  })();
  return {
    stop: () => {
      stopped = true;
      return watching;
    },
  };
}

async function timeVersion(env: Record<string, string>): Promise<number> {
  const start = performance.now();
  await runChild(['--version'], env, 120_000);
  return performance.now() - start;
}

export interface CliFuzzResult {
  inProcess: Tally;
  children: Tally;
  commands: CliCommand[];
}

/**
 * Fuzzes every command `runsPerCommand` times in this process, and every `childEvery`-th case
 * again as a child process. Uncaught exceptions and rejections while a case runs are its crash.
 */
export async function fuzzCli(
  world: FuzzWorld,
  options: {
    runsPerCommand: number;
    childEvery: number;
    seed: number;
    log: (line: string) => void;
    /** Fuzz only this command (e.g. 'sync commit'), with the seeds of a whole run: replays a reported case. */
    only?: string;
  },
): Promise<CliFuzzResult> {
  const inProcess = new Tally('cli');
  const children = new Tally('cli (child processes)');
  const dir = path.join(world.dir, 'cli');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'arxflow.config.yaml'), 'schedules: []\n');
  execFileSync('mkfifo', [path.join(dir, NAMED_PIPE)]);
  const env = {
    ARXFLOW_URL: world.url,
    ARXFLOW_TOKEN: world.token,
    ARXFLOW_DATA_DIR: path.join(dir, 'data'),
    ARXFLOW_CONFIG: path.join(dir, 'arxflow.config.yaml'),
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    ARXFLOW_LOG_LEVEL: 'error',
  };
  const crashes: string[] = [];
  const onCrash = (err: unknown) => void crashes.push(`uncaught: ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const commands = cliCommands().filter((command) => !(command.name in CLI_SKIPPED));
  // A child's own start (node, tsx) is not the command: on a loaded 2-core machine `arxflow --version`
  // alone took 16 s. A child hangs when it outlives 10 s plus twice that start, measured here.
  const startMs = await timeVersion(env);
  const childLimitMs = HANG_MS + 2 * startMs;
  options.log(
    `  a child's start (arxflow --version): ${Math.round(startMs)} ms; a child hangs after ${Math.round(childLimitMs)} ms`,
  );
  let n = 0;
  const stillRunning: Promise<unknown>[] = [];
  try {
    for (const [index, command] of commands.entries()) {
      // Skipped, not filtered out: each command keeps its index, so its seeds are the whole run's.
      if (options.only !== undefined && command.name !== options.only) continue;
      // The case's place in its fast-check run (no shrinking: the path is the run's index).
      let roundSeed = 0;
      let runInRound = 0;
      const check = (
        tally: Tally,
        c: CliCase,
        answer: CliAnswer | undefined,
        ms: number,
        hung: boolean,
        limitMs: number,
        caseNo: number,
      ): boolean => {
        const input = `#${caseNo} ${label(command, c)}`;
        const more = { ms, replay: `fast-check seed ${roundSeed} path ${runInRound - 1}` };
        if (hung || !answer) {
          tally.count(command.name, 'hang', ms, input);
          tally.fail('hang', command.name, input, `no exit within ${Math.round(limitMs)} ms`, more);
          return false;
        }
        tally.count(command.name, answer.status ?? 'crash', ms, input);
        if (answer.crash || answer.status === null || ![0, 1, 2].includes(answer.status)) {
          tally.fail(
            'crash',
            command.name,
            input,
            `exit ${answer.status}: ${answer.crash ?? ''} ${answer.output.slice(-300)}`,
            more,
          );
          return false;
        }
        if (STACK_TRACE.test(answer.output)) {
          tally.fail(
            'crash',
            command.name,
            input,
            `exit ${answer.status} with a stack trace: ${answer.output.slice(0, 400)}`,
            more,
          );
          return false;
        }
        if (c.mode !== 'shaped' && answer.status !== 2) {
          tally.fail(
            'wrong refusal',
            command.name,
            input,
            `a wrong command line exits 2, not ${answer.status}: ${answer.output.slice(0, 300)}`,
            more,
          );
          return false;
        }
        return true;
      };
      const property = async (c: CliCase): Promise<boolean> => {
        const caseNo = n++;
        runInRound++;
        const before = await world.rows();
        const start = performance.now();
        const running = runInProcess(argvOf(command, c, dir, caseNo, false), env, crashes);
        const watch = watchForStart(world, command, c);
        const { result, ms, hung } = await timed(() => running);
        const startedWorkflow = await watch.stop();
        // A commit that passed validation starts its document's workflow and waits for the commit, which
        // no worker runs here: the watch ended that workflow at once, so the command answered. Accepted.
        if (startedWorkflow) {
          if (hung) stillRunning.push(running);
          inProcess.count(command.name, 'accepted (started, ended by the fuzz)', ms, `#${caseNo} ${label(command, c)}`);
          return true;
        }
        if (hung) {
          // How the case ended after all (when it did): a slow answer and a wait for nothing read differently.
          stillRunning.push(
            running.then((late) => {
              const failure = inProcess.failures.find((f) => f.input.startsWith(`#${caseNo} `));
              if (failure)
                failure.detail += `; it ended after ${Math.round(performance.now() - start)} ms, exit ${late.status}: ${late.output.slice(0, 200)}`;
            }),
          );
        }
        let ok = check(inProcess, c, result, ms, hung, HANG_MS, caseNo);
        if (ok && result?.status === 2) {
          const changed = rowChanges(before, await world.rows());
          if (changed.length > 0) {
            inProcess.fail(
              'rows written',
              command.name,
              `#${caseNo} ${label(command, c)}`,
              `exit 2, yet ${changed.join(', ')}`,
              {
                ms,
                replay: `fast-check seed ${roundSeed} path ${runInRound - 1}`,
              },
            );
            ok = false;
          }
        }
        if (caseNo % options.childEvery === 0) {
          const childStart = performance.now();
          const childWatch = watchForStart(world, command, c);
          const child = await runChild(argvOf(command, c, dir, caseNo, true), env, childLimitMs);
          await childWatch.stop();
          const childMs = performance.now() - childStart;
          ok = check(children, c, child.hung ? undefined : child, childMs, !!child.hung, childLimitMs, caseNo) && ok;
        }
        return ok;
      };
      let left = options.runsPerCommand;
      for (let round = 0; round < 3 && left > 0; round++) {
        const failuresBefore = [inProcess.failures.length, children.failures.length] as const;
        roundSeed = options.seed + index * 31337 + round;
        runInRound = 0;
        const details = await fc.check(fc.asyncProperty(caseArbitrary(command), property), {
          numRuns: left,
          seed: roundSeed,
          endOnFailure: true, // each run is a process or a command: report the case found, do not shrink for minutes
        });
        if (!details.failed) break;
        inProcess.keepLast(failuresBefore[0], details);
        children.keepLast(failuresBefore[1], details);
        left -= details.numRuns;
        options.log(
          `  arxflow ${command.name}: ${[...inProcess.failures, ...children.failures].at(-1)?.detail ?? 'failed'}`,
        );
      }
    }
  } finally {
    // A command left running past the limit ends by its own timeout (the gateway client's 60 s):
    // waited for, so it does not outlive the world it talks to.
    // The cap's timer is cleared: left running, it held the process (jest's "did not exit") 90 s after every run.
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(stillRunning),
      new Promise((resolve) => (cap = setTimeout(resolve, 90_000))),
    ]).finally(() => clearTimeout(cap));
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  return { inProcess, children, commands };
}
