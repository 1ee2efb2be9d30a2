import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ComplianceReports } from '../../db/compliance-reports';
import { openStore } from '../../db/store';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** The stored reports as an operator reads them: `arxflow compliance reports|report` on the data dir's store. */
describe('arxflow compliance reports', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-reports-'));
  const env = { ...process.env, ARXFLOW_DATA_DIR: dataDir, DATABASE_URL: '', ARXFLOW_URL: '' };
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'bin', 'arxflow.js'), ...args], { cwd: ROOT, env });

  beforeAll(async () => {
    const store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
    const reports = new ComplianceReports(store.db);
    const base = { workflowId: 'compliance/P-9', planId: 'P-9', cycle: 1, kind: 'corrections' as const };
    await reports.put({
      ...base,
      key: 'compliance/P-9/cycle-1/corrections.csv',
      format: 'csv',
      body: Buffer.from('rule,elements\r\nIBC-1010.1.1,D3\r\n'),
    });
    await reports.put({
      ...base,
      key: 'compliance/P-9/cycle-1/corrections.pdf',
      format: 'pdf',
      body: Buffer.from('%PDF-1.3 fake'),
    });
    expect(
      await reports.put({
        ...base,
        key: 'compliance/P-9/cycle-1/corrections.csv',
        format: 'csv',
        body: Buffer.from('again'),
      }),
    ).toBe(false);
    await store.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists, prints and writes reports; a PDF needs --out', async () => {
    const listed = JSON.parse((await cli('compliance', 'reports', 'P-9', '--json')).stdout);
    expect(listed.map((r: { key: string }) => r.key)).toEqual([
      'compliance/P-9/cycle-1/corrections.csv',
      'compliance/P-9/cycle-1/corrections.pdf',
    ]);
    expect((await cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.csv')).stdout).toBe(
      'rule,elements\r\nIBC-1010.1.1,D3\r\n',
    );
    await expect(cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.pdf')).rejects.toMatchObject({
      code: 2,
    });
    const out = path.join(dataDir, 'r.pdf');
    await cli('compliance', 'report', 'compliance/P-9/cycle-1/corrections.pdf', '--out', out);
    expect(existsSync(out) && readFileSync(out, 'latin1')).toBe('%PDF-1.3 fake');
    await expect(cli('compliance', 'report', 'nope')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no report with key "nope"'),
    });
  });
});
