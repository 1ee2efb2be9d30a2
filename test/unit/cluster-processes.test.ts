import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandLineOf, processIdentity } from '../../platform/process-identity';
import { isRunning, runningProcesses, startDetached } from '../../scripts/cluster-processes';

// npm run cluster's processes are recorded when spawned, before the child has exec'd its
// program: a CI run read node's command line there, took the UI server it had started for one
// that had exited once its command line changed, gave up and left it running.
describe('cluster processes recorded at spawn', () => {
  let dir: string;
  const started: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-cluster-processes-'));
  });
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const pids = () => path.join(dir, 'pids');
  const start = (name: string, script: string) => {
    const child = startDetached(pids(), path.join(dir, 'logs'), name, '/bin/sh', ['-c', script], process.env, dir);
    started.push(child.pid);
    return child;
  };

  it('still runs after its command line changed (the shell exec-ing its program), and is gone once ended', async () => {
    const child = start('changes', 'sleep 0.3; exec sleep 30');
    expect(isRunning(pids(), 'changes')).toBe(true);
    const before = processIdentity(child.pid);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(processIdentity(child.pid)).not.toEqual(before); // the command line did change
    expect(isRunning(pids(), 'changes')).toBe(true);
    expect(runningProcesses(pids()).map((p) => p.name)).toEqual(['changes']);

    process.kill(-child.pid, 'SIGKILL');
    for (let waited = 0; waited < 5000 && isRunning(pids(), 'changes'); waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isRunning(pids(), 'changes')).toBe(false);
  });

  it('knows a process from a record written before start times alone (start time and command line)', () => {
    const child = start('older', 'exec sleep 30');
    const file = path.join(pids(), 'older.pid');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { identity: string };
    // Once it runs `sleep 30`, its full identity is what an older npm run cluster wrote. Its
    // command line is exactly `sleep 30` only after the shell's exec: `/bin/sh -c exec sleep 30`
    // holds the words too, and a record of the shell's line no longer matches once the exec
    // changed it (the likely cause of a CI failure here, not reproduced).
    for (let tries = 0; tries < 250 && commandLineOf(child.pid).join(' ') !== 'sleep 30'; tries++)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    expect(commandLineOf(child.pid)).toEqual(['sleep', '30']);
    writeFileSync(file, JSON.stringify({ ...record, identity: processIdentity(child.pid) }));
    expect(isRunning(pids(), 'older')).toBe(true);
    writeFileSync(file, JSON.stringify({ ...record, identity: 'start 1 sleep 30' }));
    expect(isRunning(pids(), 'older')).toBe(false);
  });
});
