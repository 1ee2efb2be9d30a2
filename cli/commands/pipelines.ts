import path from 'node:path';
import type { Command } from 'commander';
import { HttpPipelineOperations } from '../../client/api/pipeline-http-operations';
import { followPipelineLogs } from '../../client/api/pipeline-log-follow';
import {
  isFinal,
  pipelineListSchema,
  pipelineLogsSchema,
  pipelineStartSchema,
  runIdSchema,
  type PipelineLogChunk,
  type PipelineOperations,
  type PipelineStarted,
} from '../../client/api/pipeline-operations';
import { TemporalPipelineOperations } from '../../client/api/pipeline-temporal-operations';
import type { Caller } from '../../client/api/operations';
import { openSettingsStore } from '../../db/settings-store';
import type { PipelineRunView } from '../../domain/pipelines/pipeline-types';
import { parseInput } from '../../domain/validation';
import { withCliContext } from '../context';
import { CliError, EXIT, print, printSection, printTable } from '../output';

/** How often `--wait` and `logs --follow` look again. */
const POLL_MS = 500;

/**
 * `arxflow pipeline run|status|logs|cancel|rerun|list`: pipeline runs, through the gateway when
 * there is one (ARXFLOW_URL, or the running service of the data dir), else on Temporal and the
 * store directly. `run --wait` and `rerun --wait` exit 0 when the run succeeded, 1 when it
 * failed or was cancelled, 2 for bad input (no pipeline file, invalid YAML: the line named).
 */
export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('CI pipeline runs: run, status, logs, cancel, rerun, list');

  pipeline
    .command('run')
    .description('run the pipeline of a repository at a ref (branch, tag, full ref or sha)')
    .argument('<repo>', 'a local path, file:// or https URL')
    .argument('<ref>')
    .option('--file <path>', 'the pipeline file in the repository (default .arxflow/pipeline.yml)')
    .option('--wait', 'wait for the run to end; exit 0 succeeded, 1 failed or cancelled')
    .option('--json', 'print JSON')
    .action(async (repo: string, ref: string, options: { file?: string; wait?: boolean; json?: boolean }) => {
      const request = parseInput(
        pipelineStartSchema,
        { repo: absoluteRepo(repo), ref, ...(options.file ? { definitionPath: options.file } : {}) },
        'pipeline run',
      );
      await withPipelines(async (ops, caller) => {
        const started = await ops.start(request, caller);
        await reportStarted(ops, started, options);
      });
    });

  pipeline
    .command('status')
    .description("a run's status: jobs, steps, quality verdict")
    .argument('<runId>')
    .option('--json', 'print JSON: {runId, status, jobs: [{id, status}], quality?: {verdict}}')
    .action(async (runId: string, options: { json?: boolean }) => {
      const id = parseInput(runIdSchema, runId, 'runId');
      const view = await withPipelines((ops) => ops.status(id));
      printRun(view, !!options.json);
    });

  pipeline
    .command('logs')
    .description("a run's log; --follow prints new output until the run ends")
    .argument('<runId>')
    .option('--job <id>', 'only this job')
    .option('--follow', 'keep printing until the run ends')
    .option('--json', 'print each chunk as a JSON line')
    .action(async (runId: string, options: { job?: string; follow?: boolean; json?: boolean }) => {
      const id = parseInput(runIdSchema, runId, 'runId');
      const filter = parseInput(pipelineLogsSchema, options.job ? { job: options.job } : {}, 'pipeline logs');
      await withPipelines(async (ops) => {
        const write = chunkWriter(!!options.json, !filter.job);
        if (!options.follow) {
          for (const chunk of await ops.logs(id, filter)) write(chunk);
          return;
        }
        for await (const event of followPipelineLogs(ops, id, { ...filter, intervalMs: POLL_MS })) {
          if (event.kind === 'chunk') write(event.chunk);
          else if (options.json) console.log(JSON.stringify({ end: true, status: event.status }));
          else console.error(`run ${id} ${event.status}`);
        }
      });
    });

  pipeline
    .command('cancel')
    .description('cancel a running run (its steps get SIGTERM, then SIGKILL)')
    .argument('<runId>')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const id = parseInput(runIdSchema, runId, 'runId');
      const answer = await withPipelines((ops, caller) => ops.cancel(id, caller));
      print({ ...answer, cancelRequested: true }, !!options.json);
    });

  pipeline
    .command('rerun')
    .description('run the same sha again as the next attempt (--failed: only the jobs that did not succeed)')
    .argument('<runId>')
    .option('--failed', 'reuse the jobs that succeeded; run the others')
    .option('--wait', 'wait for the run to end; exit 0 succeeded, 1 failed or cancelled')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { failed?: boolean; wait?: boolean; json?: boolean }) => {
      const id = parseInput(runIdSchema, runId, 'runId');
      await withPipelines(async (ops, caller) => {
        const started = await ops.rerun(id, { failed: !!options.failed }, caller);
        await reportStarted(ops, started, options);
      });
    });

  pipeline
    .command('list')
    .description('recorded runs, newest first')
    .option('--repo <repo>', 'a repository as given to run, or its key (owner/name)')
    .option('--status <status>', 'queued | running | succeeded | failed | cancelled')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { repo?: string; status?: string; limit: string; json?: boolean }) => {
      const filter = parseInput(
        pipelineListSchema,
        { repo: options.repo, status: options.status, limit: options.limit },
        'pipeline list',
      );
      const runs = await withPipelines((ops) => ops.list(filter));
      const rows = runs.map((run) => ({ ...run, sha: run.sha.slice(0, 12) }));
      printTable(
        options.json ? (runs as never) : rows,
        ['runId', 'status', 'ref', 'sha', 'attempt', 'event', 'createdAt'],
        !!options.json,
      );
    });
}

/** A path as the user typed it, made absolute (the service's working directory is not the caller's); URLs as they are. */
function absoluteRepo(repo: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo) ? repo : path.resolve(repo);
}

/** Through the gateway when there is one, else Temporal and the store of the settings. */
export async function withPipelines<T>(work: (ops: PipelineOperations, caller: Caller) => Promise<T>): Promise<T> {
  return withCliContext(async (ctx) => {
    if (ctx.gateway) return work(new HttpPipelineOperations(ctx.gateway), ctx.caller);
    const store = await openSettingsStore(ctx.settings);
    try {
      const ops = new TemporalPipelineOperations({
        client: async () => (await ctx.temporal()).client,
        taskQueue: ctx.settings.taskQueue,
        db: store.db,
        dataDir: ctx.settings.dataDir,
        publicUrl: ctx.settings.pipelines.publicUrl,
      });
      return await work(ops, ctx.caller);
    } finally {
      await store.close();
    }
  });
}

/** After run / rerun: the id at once, or with --wait the run's end (exit 1 unless it succeeded). */
async function reportStarted(
  ops: PipelineOperations,
  started: PipelineStarted,
  options: { wait?: boolean; json?: boolean },
): Promise<void> {
  if (!options.wait) {
    print({ ...started }, !!options.json);
    return;
  }
  if (!options.json) console.error(`${started.existing ? 'following' : 'started'} ${started.runId}`);
  let view = await ops.status(started.runId);
  while (!isFinal(view.status)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    view = await ops.status(started.runId);
  }
  printRun(view, !!options.json);
  if (view.status !== 'succeeded') {
    throw new CliError(`pipeline run ${view.runId} ${view.status}${view.error ? `: ${view.error}` : ''}`, EXIT.failed);
  }
}

/** The contract's shape: {runId, status, jobs: [{id, status}], quality?: {verdict}} (plus reasons and the error). */
export function runSummary(view: PipelineRunView) {
  return {
    runId: view.runId,
    status: view.status,
    jobs: view.jobs.map((job) => ({ id: job.id, status: job.status, ...(job.reason ? { reason: job.reason } : {}) })),
    ...(view.quality ? { quality: view.quality } : {}),
    ...(view.error ? { error: view.error } : {}),
  };
}

function printRun(view: PipelineRunView, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(runSummary(view), null, 2));
    return;
  }
  printSection('Run', {
    fields: {
      runId: view.runId,
      status: view.status,
      repo: view.repo,
      ref: view.ref,
      sha: view.sha,
      attempt: view.attempt,
      event: view.event,
      ...(view.error ? { error: view.error } : {}),
    },
  });
  printSection('Jobs', {
    rows: view.jobs.flatMap((job) => [
      { job: job.id, step: '', status: job.status, exit: undefined, seconds: undefined, note: job.reason },
      ...job.steps.map((step) => ({
        job: '',
        step: step.name,
        status: step.status,
        exit: step.exitCode,
        seconds: step.durationMs === undefined ? undefined : (step.durationMs / 1000).toFixed(1),
        note: step.attempts && step.attempts > 1 ? `${step.attempts} attempts` : undefined,
      })),
    ]),
    columns: ['job', 'step', 'status', 'exit', 'seconds', 'note'],
  });
  if (view.quality) {
    printSection(`Quality: ${view.quality.verdict}`, {
      rows: view.quality.checks as never,
      columns: ['name', 'passed', 'actual', 'required', 'baseline'],
    });
  }
}

/** Chunks as the job wrote them (each line prefixed with its job when several jobs are shown), or JSON lines. */
function chunkWriter(json: boolean, prefixJob: boolean): (chunk: PipelineLogChunk) => void {
  return (chunk) => {
    if (json) return void console.log(JSON.stringify(chunk));
    const text = chunk.stream === 'arxflow' ? `[arxflow] ${chunk.text}` : chunk.text;
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    const out = prefixJob ? lines.map((line) => `${chunk.jobId} | ${line}`) : lines;
    process.stdout.write(`${out.join('\n')}\n`);
  };
}
