import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function runScript(script: string, env: Record<string, string | undefined>) {
  return spawnSync('bash', [path.join(ROOT, 'scripts', script)], { env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
}

/** A PATH with only basic shell tools: no go, java, mvn or temporal. */
function barePath(dir: string): string {
  const bin = path.join(dir, 'bare-bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'sh', 'cat', 'mktemp', 'rm', 'mv', 'mkdir', 'chmod', 'tail', 'dirname', 'curl']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe('provisioning scripts', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'arxflow-provision-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('is quiet and succeeds when everything is already provisioned (npm test provisioned it)', () => {
    const result = runScript('provision.sh', { ...process.env, ARXFLOW_TOOLS_DIR: undefined });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('without Java, Maven or internet: names what is missing, exits 1, installs nothing', () => {
    const tools = path.join(scratch, 'tools');
    const result = runScript('provision-test-server.sh', {
      PATH: barePath(scratch),
      HOME: scratch,
      ARXFLOW_TOOLS_DIR: tools,
      ARXFLOW_OFFLINE: '1',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Java 11\+ \(Debian: apt-get install openjdk-17-jre-headless\)/);
    expect(result.stderr).toMatch(/Maven/);
    expect(result.stderr).toMatch(/TEMPORAL_TEST_SERVER_PATH/);
    expect(existsSync(tools) ? readdirSync(tools) : []).toEqual([]);
  });

  it('without Go, a temporal binary or internet: names what is missing, exits 1, installs nothing', () => {
    const tools = path.join(scratch, 'tools');
    const result = runScript('provision-temporal-cli.sh', {
      PATH: barePath(scratch),
      HOME: scratch,
      ARXFLOW_TOOLS_DIR: tools,
      ARXFLOW_OFFLINE: '1',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Go 1\.22\+ and the Go module proxy/);
    expect(result.stderr).toMatch(/TEMPORAL_CLI_PATH/);
    expect(existsSync(tools) ? readdirSync(tools) : []).toEqual([]);
  });

  it('refuses a TEMPORAL_TEST_SERVER_PATH that is not an executable', () => {
    const result = runScript('provision-test-server.sh', {
      ...process.env,
      TEMPORAL_TEST_SERVER_PATH: path.join(scratch, 'nope'),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is not an executable file');
  });
});
