import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { processIdentity } from '../../platform/process-identity';

describe('processIdentity', () => {
  it('names a running process by its start time and command line', () => {
    expect(processIdentity(process.pid)).toMatch(/^start \S+ .*node/);
  });

  // A killed child stays a zombie until its parent reaps it; a check in that moment (the pid
  // file's "did it stop?") must see it gone, as it runs nothing any more.
  const linux = process.platform === 'linux' ? it : it.skip;
  linux('counts a zombie as gone', async () => {
    // The shell starts a short sleep in the background and becomes `sleep 30`, which never
    // reaps it. The child must end after the exec: one that ended before could be reaped by
    // the shell itself (a plain `true` did so now and then on a loaded machine).
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(
        await new Promise<string>((resolve) => parent.stdout.once('data', (chunk) => resolve(String(chunk)))),
      );
      for (let waited = 0; waited < 5000 && !isZombie(zombie); waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      expect(isZombie(zombie)).toBe(true);
      expect(processIdentity(zombie)).toBeUndefined();
      expect(processIdentity(parent.pid!)).toContain('sleep 30');
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

function isZombie(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') === true;
}
