import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, rmSync } from 'node:fs';
import { groupAlive, terminateGroup } from '../../pipelines/process-groups';
import { readJson, writeFileAtomic, type LocalLayout, type SlotIndex } from './local-layout';
import { processStartIdentity } from '../../../platform/process-identity';
import { assertPortFree } from '../../../platform/ports';
import { answersHttp, logTail, sleep } from './local-processes';

/** What a slot runs (run/slot-<n>.json). */
export interface SlotState {
  slot: SlotIndex;
  version: string;
  port: number;
  /** The `/bin/sh -c <start>` process, leader of its own process group. */
  pid: number;
  /** Its start time (processStartIdentity): a pid reused by another process does not match. */
  identity: string;
  startedAt: string;
}

/**
 * Whether the recorded process is still ours: the pid still has the start time we wrote down,
 * or the leader is gone but its group still runs (a group's number is not handed out again as a
 * pid while any member lives, so that group can only be ours).
 */
function isOurs(state: SlotState): boolean {
  const identity = processStartIdentity(state.pid);
  if (identity !== undefined) return identity === state.identity;
  return groupAlive(state.pid);
}

/**
 * The slot's record if its process still runs. A record whose process is gone, or whose pid now
 * belongs to someone else, is dropped and that process left alone.
 */
export function liveSlot(layout: LocalLayout, slot: SlotIndex): SlotState | undefined {
  const state = readJson<SlotState>(layout.slotFile(slot));
  if (!state) return undefined;
  if (isOurs(state)) return state;
  rmSync(layout.slotFile(slot), { force: true });
  return undefined;
}

export interface StartRequest {
  slot: SlotIndex;
  version: string;
  port: number;
  cwd: string;
  command: string;
  env: Record<string, string>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * Starts a release in a slot: `/bin/sh -c <start>` in its folder, detached as its own process
 * group (it outlives the worker that started it; the next target object finds it in the slot
 * record), output appended to run/<version>.log. Ready when the port answers HTTP (any status:
 * the deployment's health checks judge it later); not ready within the bound, or exited: stopped,
 * and an error with the end of its log.
 */
export async function startRelease(layout: LocalLayout, request: StartRequest): Promise<SlotState> {
  const { slot, version, port } = request;
  await assertPortFree(port, '127.0.0.1', `slot ${slot} of ${layout.root}`, 'choose another port');
  const log = openSync(layout.processLog(version), 'a');
  let child;
  try {
    child = spawn('/bin/sh', ['-c', request.command], {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `ended by ${signal}` : `exited with code ${code}`));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`version ${version} could not start: ${(await spawnError).message}`);
  // Recorded at once (synchronously after the spawn): a crash from here on leaves a record that
  // the next call finds, and reuses or stops, instead of a second process on the port.
  const state: SlotState = {
    slot,
    version,
    port,
    pid,
    identity: processStartIdentity(pid) ?? '',
    startedAt: new Date().toISOString(),
  };
  writeFileAtomic(layout.slotFile(slot), `${JSON.stringify(state, null, 2)}\n`);
  appendFileSync(layout.startsLog, `${state.startedAt} start ${version} slot=${slot} port=${port} pid=${pid}\n`);

  const deadline = Date.now() + request.readyTimeoutMs;
  while (exit === undefined && Date.now() < deadline) {
    if (await answersHttp(`http://127.0.0.1:${port}/healthz`, 1_000)) return state;
    await sleep(100);
  }
  await stopSlot(layout, slot, request.stopTimeoutMs);
  const why = exit ?? `did not answer HTTP on port ${port} within ${request.readyTimeoutMs} ms`;
  const tail = logTail(layout.processLog(version));
  throw new Error(`version ${version} (${request.command}) ${why}${tail ? `; its log ends:\n${tail}` : ''}`);
}

/**
 * Stops what the slot runs: SIGTERM to its process group, SIGKILL to whatever is left after
 * `stopTimeoutMs`. Only while the process is still ours (see isOurs): a stale record is dropped,
 * never acted on. Nothing recorded: nothing to do.
 */
export async function stopSlot(layout: LocalLayout, slot: SlotIndex, stopTimeoutMs: number): Promise<void> {
  const state = readJson<SlotState>(layout.slotFile(slot));
  if (!state) return;
  if (isOurs(state)) await terminateGroup(state.pid, stopTimeoutMs);
  rmSync(layout.slotFile(slot), { force: true });
}
