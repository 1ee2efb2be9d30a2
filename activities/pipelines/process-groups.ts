import { existsSync, readdirSync, readFileSync } from 'node:fs';

// Steps run as the leader of their own process group (spawn detached), so one signal to the group
// reaches everything a step started, background children included.

/** Groups started by this worker and not yet ended: killed outright if the worker process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A worker shutting down cancels its activities (which kill their groups with a grace period);
    // this is the last word for an exit that did not wait for them. SIGKILL of the worker itself
    // cannot run it: the retried step kills the orphaned group from the heartbeat's pid instead.
    process.once('exit', () => {
      for (const group of liveGroups) signalGroup(group, 'SIGKILL');
    });
  }
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends `signal` to every process in the group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * The live (not zombie) processes of the group. Read from /proc where there is one: a killed child
 * whose parent has not reaped it yet (or an init that never reaps, as in some containers) is gone
 * for every purpose here, though kill(0) still finds it.
 */
export function groupMembers(pgid: number): number[] {
  if (!existsSync('/proc/self/stat')) return signalGroup(pgid, 0) ? [pgid] : [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/**
 * SIGTERM to the group, then SIGKILL to whatever is left after `graceMs`. Resolves when the group is
 * gone (or after the SIGKILL had a moment to land).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(50);
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(25);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
