import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { PipelineLogs } from '../../db/pipeline-logs';
import { expandExpressions, githubContextOf, secretNamesIn } from '../../domain/pipelines/expressions';
import type { PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { InputError } from '../../domain/validation';
import { checkoutWorkspace, ensureMirror } from '../../platform/git';
import { workspaceOf } from './job-workspace';
import type { RunStepInput, StepOutcome } from './pipeline-activity-types';
import { groupAlive, terminateGroup, trackGroup, untrackGroup } from './process-groups';
import {
  forgetStepGroup,
  leftoverStepGroup,
  prepareStepGroupFile,
  recordStepGroup,
  stepGroupFile,
} from './step-group-file';
import { StepLogWriter } from './step-log';

const HEARTBEAT_MS = 2_000;

export interface StepRunnerDeps {
  dataDir: string;
  logs: PipelineLogs;
  secrets: NodeJS.ProcessEnv;
  killGraceMs: number;
  logMaxBytes: number;
}

/**
 * What the activity heartbeats: a retry on the same machine reads the pid back to kill the group its
 * lost worker left behind (the host says whether that pid means anything here).
 */
interface StepHeartbeat {
  stepIndex: number;
  pid?: number;
  host?: string;
}

/**
 * Runs one step: `/bin/sh -c <run>` in the workspace as its own process group, output to the store
 * as it comes, heartbeats every 2 s. The step's timeout, the activity's cancellation and the worker's
 * exit all end the whole group (SIGTERM, SIGKILL after the grace). A group left behind by a worker that
 * died during an earlier attempt (found from a file beside the workspaces, else the last heartbeat) is
 * killed before the step starts again from its beginning.
 */
export async function runPipelineStep(deps: StepRunnerDeps, input: RunStepInput): Promise<StepOutcome> {
  const context = activityContext();
  const attempt = context?.info.attempt ?? 1;
  const secretValues: string[] = [];
  const log = (secrets: string[]) =>
    new StepLogWriter(
      deps.logs,
      { runId: input.runId, jobId: input.jobId, stepIndex: input.stepIndex },
      secrets,
      deps.logMaxBytes,
    );

  let env: Record<string, string>;
  let command: string;
  try {
    const prepared = stepEnvironment(input, deps.secrets);
    env = prepared.env;
    secretValues.push(...prepared.secretValues);
    command = expandExpressions(input.step.run, { github: githubContextOf(input.trigger, { runId: input.runId }) });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const writer = log([]);
    await writer.note(`step ${input.stepIndex + 1} (${input.step.name}) not run: ${err.message}`);
    await writer.close();
    return { status: 'failed', exitCode: null, durationMs: 0, attempt };
  }

  const writer = log(secretValues);
  const groupFile = stepGroupFile(deps.dataDir, input.runId, input.jobId, input.stepIndex);
  if (attempt > 1) {
    const earlier = context?.info.heartbeatDetails as StepHeartbeat | undefined;
    const fromHeartbeat =
      earlier?.pid && earlier.host === hostname() && earlier.stepIndex === input.stepIndex && groupAlive(earlier.pid)
        ? earlier.pid
        : undefined;
    const leftover = leftoverStepGroup(groupFile) ?? fromHeartbeat;
    if (leftover !== undefined) await terminateGroup(leftover, deps.killGraceMs);
    await writer.note(`worker lost during this step: re-running it from the start (attempt ${attempt})`);
  }
  let workspace = input.workspace;
  if (!existsSync(workspace)) {
    // The retry landed on another machine: the job's checkout is made again here, without what
    // earlier steps wrote on the lost machine (the log says so; a job that needs it fails visibly).
    workspace = workspaceOf(deps.dataDir, input.runId, input.jobId);
    const mirror = await ensureMirror(deps.dataDir, input.trigger.repo, input.trigger.sha);
    await checkoutWorkspace(mirror, input.trigger.sha, workspace);
    await writer.note(
      `workspace not on this worker: checked out ${input.trigger.sha.slice(0, 12)} afresh (earlier steps' files are not here)`,
    );
  }
  const timeoutMs = Math.min(input.timeoutMs, input.step.timeoutMs ?? Infinity);

  const started = Date.now();
  prepareStepGroupFile(groupFile);
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: workspace,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  if (pid === undefined) {
    await writer.note(`step could not start: ${(await spawnFailed).message}`);
    await writer.close();
    return { status: 'failed', exitCode: null, durationMs: 0, attempt };
  }
  trackGroup(pid);
  try {
    recordStepGroup(groupFile, pid); // in the spawn's tick: no await between them for a crash to fall into
  } catch (err) {
    await terminateGroup(pid, deps.killGraceMs);
    untrackGroup(pid);
    throw err;
  }
  child.stdout.on('data', (data: Buffer) => writer.write('stdout', data));
  child.stderr.on('data', (data: Buffer) => writer.write('stderr', data));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const host = hostname();
  const beat = () => context?.heartbeat({ stepIndex: input.stepIndex, pid, host } satisfies StepHeartbeat);
  beat();
  const heartbeats = setInterval(beat, HEARTBEAT_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  // context.cancelled rejects with the SDK's CancelledFailure, which is rethrown once the group is gone.
  const cancelled = context
    ? context.cancelled.then(
        () => new Promise<never>(() => undefined),
        (failure: unknown) => ({ failure }),
      )
    : new Promise<never>(() => undefined);

  try {
    const ending = await Promise.race([exited, timedOut, cancelled]);
    const durationMs = () => Date.now() - started;
    if (ending === 'timed-out') {
      await terminateGroup(pid, deps.killGraceMs);
      await settle(closed);
      await writer.note(`step timed out after ${timeoutMs} ms: its processes were stopped`);
      await writer.close();
      return { status: 'timed-out', exitCode: null, durationMs: durationMs(), attempt };
    }
    if ('failure' in ending) {
      await terminateGroup(pid, deps.killGraceMs);
      await settle(closed);
      await writer.note('cancelled: the step was stopped');
      await writer.close().catch(() => undefined);
      throw ending.failure;
    }
    // The shell is done; whatever it left running in the background (sleep 300 &) is not the step's to keep.
    if (groupAlive(pid)) await terminateGroup(pid, deps.killGraceMs);
    await settle(closed);
    const { code, signal } = ending;
    if (signal) await writer.note(`step ended by ${signal}`);
    else if (code !== 0) await writer.note(`step failed with exit code ${code}`);
    await writer.close();
    return { status: code === 0 ? 'succeeded' : 'failed', exitCode: code, durationMs: durationMs(), attempt };
  } finally {
    clearInterval(heartbeats);
    clearTimeout(timer);
    untrackGroup(pid);
    forgetStepGroup(groupFile, pid);
  }
}

/** The pipes close once every process holding them is gone; a bounded wait in case one escaped the group. */
function settle(closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 2_000);
  });
  return Promise.race([closed, bounded]).finally(() => clearTimeout(timer));
}

/**
 * A minimal base (the worker's PATH, HOME and LANG; CI=true; GitHub's variable names for the run), then
 * the job's env, then the step's, with `${{ github.* }}` and `${{ secrets.* }}` expanded. A secret the
 * worker does not have throws InputError naming it (the step fails rather than run with an empty value).
 */
export function stepEnvironment(
  input: Pick<RunStepInput, 'runId' | 'jobId' | 'jobEnv' | 'step' | 'trigger' | 'workspace'>,
  secrets: NodeJS.ProcessEnv,
): { env: Record<string, string>; secretValues: string[] } {
  const trigger: PipelineTrigger = input.trigger;
  const github = githubContextOf(trigger, { runId: input.runId });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? input.workspace,
    LANG: process.env.LANG ?? 'C.UTF-8',
    CI: 'true',
    ARXFLOW: 'true',
    ARXFLOW_RUN_ID: input.runId,
    ARXFLOW_JOB_ID: input.jobId,
    GITHUB_SHA: trigger.sha,
    GITHUB_REF: trigger.ref,
    GITHUB_REF_NAME: github.ref_name ?? '',
    GITHUB_EVENT_NAME: trigger.event,
    GITHUB_REPOSITORY: github.repository ?? trigger.repoKey,
    GITHUB_ACTOR: trigger.actor,
    GITHUB_WORKSPACE: input.workspace,
    GITHUB_BASE_REF: github.base_ref ?? '',
    GITHUB_HEAD_REF: github.head_ref ?? '',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  const secretValues = new Set<string>();
  for (const source of [input.jobEnv, input.step.env]) {
    for (const [name, template] of Object.entries(source)) {
      const known: Record<string, string | undefined> = {};
      for (const secret of secretNamesIn(template)) {
        known[secret] = secrets[secret];
        if (secrets[secret]) secretValues.add(secrets[secret]!);
      }
      env[name] = expandExpressions(template, { github, secrets: known });
    }
  }
  return { env, secretValues: [...secretValues] };
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
