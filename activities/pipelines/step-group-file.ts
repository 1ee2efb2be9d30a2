import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processStartIdentity } from '../../platform/process-identity';
import { runDirName } from './job-workspace';
import { groupAlive } from './process-groups';

// A running step's process group, written down on the worker's disk in the same tick as its spawn.
// The heartbeat carries the pid too, but a worker killed before its first heartbeat reached the
// server leaves the retry nothing to read there; this file is on the machine the group runs on.

interface StepGroupRecord {
  pid: number;
  /** The leader's start time, so a later process given the same pid is never taken for it. */
  start?: string;
}

/** One file per step of a run's job, named safely whatever the run and job ids hold. */
export function stepGroupFile(dataDir: string, runId: string, jobId: string, stepIndex: number): string {
  return path.join(dataDir, 'pipelines', 'step-groups', `${runDirName(`${runId}/${jobId}/${stepIndex}`)}.json`);
}

/** Made before the spawn, so that writing the record right after it has nothing left to fail on but the disk. */
export function prepareStepGroupFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
}

export function recordStepGroup(file: string, pid: number): void {
  writeFileSync(file, JSON.stringify({ pid, start: processStartIdentity(pid) } satisfies StepGroupRecord));
}

/** Removed when the step's group is done, unless a later attempt has written its own there since. */
export function forgetStepGroup(file: string, pid: number): void {
  if (readRecord(file)?.pid === pid) rmSync(file, { force: true });
}

/**
 * The group an earlier attempt of this step left running here, if any. A live leader must be the same
 * process (same start time); a group whose leader has ended but whose members live on is still that
 * group, since Linux never hands out a pid that is in use as a process group id.
 */
export function leftoverStepGroup(file: string): number | undefined {
  const record = readRecord(file);
  if (!record) return undefined;
  const leader = processStartIdentity(record.pid);
  if (leader !== undefined && record.start !== undefined && leader !== record.start) return undefined;
  return groupAlive(record.pid) ? record.pid : undefined;
}

function readRecord(file: string): StepGroupRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as StepGroupRecord;
    return Number.isInteger(record.pid) && record.pid > 1 ? record : undefined;
  } catch {
    return undefined; // no earlier attempt here, or it died before the record was whole
  }
}
