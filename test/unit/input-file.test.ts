import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../platform/config-file';
import { INPUT_FILE_MAX_BYTES, InputFileRefusal, readInputFile } from '../../platform/input-file';
import { ARXFLOW_BIN } from '../support/cli-process';

// A file a user names is read only when it is a regular file within the limit: /dev/zero as a
// CLI file once made the bad-input chaos run's jest worker read until it aborted (std::bad_alloc).
describe('readInputFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-input-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (file: string, maxBytes?: number): string => {
    try {
      readInputFile(file, maxBytes);
    } catch (err) {
      expect(err).toBeInstanceOf(InputFileRefusal);
      return (err as Error).message;
    }
    throw new Error(`${file} was read`);
  };

  it('reads a regular file whole as UTF-8, up to and at the limit', () => {
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, '{"name":"Zürich ✓"}');
    expect(readInputFile(file)).toBe('{"name":"Zürich ✓"}');
    const bytes = Buffer.byteLength('{"name":"Zürich ✓"}');
    expect(readInputFile(file, bytes)).toBe('{"name":"Zürich ✓"}');
    expect(refusal(file, bytes - 1)).toBe(`${bytes} bytes, over the limit of ${bytes - 1}`);
  });

  it('refuses a file over the limit from its size, without reading it', () => {
    const file = path.join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, INPUT_FILE_MAX_BYTES + 1); // sparse: no disk, no memory unless read
    const started = performance.now();
    expect(refusal(file)).toBe(`${INPUT_FILE_MAX_BYTES + 1} bytes, over the limit of ${INPUT_FILE_MAX_BYTES}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses what is not a regular file: /dev/zero, a directory, a named pipe', () => {
    expect(refusal('/dev/zero')).toBe('a character device, not a file');
    expect(refusal(dir)).toBe('a directory, not a file');
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // Nobody writes to it: a blocking open would wait here for good, so it must be refused at once.
    expect(refusal(fifo)).toBe('a named pipe, not a file');
  });

  it('reads a file whose size stat does not know (/proc), still bounded by the limit', () => {
    expect(readInputFile('/proc/self/status')).toMatch(/^Name:/);
    expect(refusal('/proc/self/status', 16)).toBe('more than 16 bytes, over the limit of 16');
  });

  it('throws the open error as it is for a missing file', () => {
    expect(() => readInputFile(path.join(dir, 'absent.json'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('the config file too (ARXFLOW_CONFIG): refused naming it, not read', () => {
    expect(() => loadConfigFile('/dev/zero')).toThrow('/dev/zero: a character device, not a file');
  });

  it('the CLI, as a child process, refuses /dev/zero and a named pipe at once with exit 2 naming the file', () => {
    const fifo = path.join(dir, 'cli-pipe');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, string][] = [
      ['/dev/zero', 'a character device, not a file'],
      [fifo, 'a named pipe, not a file'],
    ];
    for (const [file, problem] of cases) {
      const child = spawnSync(process.execPath, [ARXFLOW_BIN, 'compliance', 'check', file], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', ARXFLOW_URL: 'http://127.0.0.1:1' },
      });
      expect({ file, status: child.status, signal: child.signal, stderr: child.stderr.trim() }).toEqual({
        file,
        status: 2,
        signal: null,
        stderr: `arxflow: ${file}: ${problem}`,
      });
    }
  });
});
