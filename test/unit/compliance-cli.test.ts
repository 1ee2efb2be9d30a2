import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runArxflowInProcess } from '../support/cli-in-process';
import { EXAMPLE_PLAN_PATH, examplePlanJson } from '../fixtures/compliance-plans';

/** Runs `arxflow <args>` in-process, capturing what it prints. */
const arxflow = (...args: string[]) => runArxflowInProcess(args);

describe('arxflow compliance', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, content);
    return at;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const planFile = (name: string, change: (plan: Record<string, any>) => void) => {
    const plan = examplePlanJson() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    change(plan);
    return file(name, JSON.stringify(plan));
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-compliance-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check --json on the example plan exits 1 with the violation on D3', async () => {
    const result = await arxflow('compliance', 'check', EXAMPLE_PLAN_PATH, '--json', '--as-of', '2025-01-01');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual({
      compliant: false,
      planId: 'PLAN-EXAMPLE-1',
      jurisdiction: 'IBC-2021',
      edition: 'IBC-2021',
      asOf: '2025-01-01',
      occupantLoad: { total: 101, bySpace: { S101: 30, S102: 40, S201: 30, S202: 1 }, byLevel: { L1: 70, L2: 31 } },
      violations: [
        {
          rule: 'IBC-1010.1.1',
          section: 'IBC 1010.1.1',
          elements: ['D3'],
          required: 32,
          actual: 30,
          unit: 'in',
          severity: 'error',
          message: 'Door D3: clear width 30 in is less than the 32 in minimum (IBC 1010.1.1)',
        },
      ],
    });
    expect(result.stderr).toContain('PLAN-EXAMPLE-1 does not comply with IBC-2021: 1 violation');
  });

  it('check exits 0 for a compliant plan and prints a readable summary', async () => {
    const compliant = planFile('ok.json', (plan) => {
      plan.doors[2].clearWidthIn = 32;
    });
    const result = await arxflow('compliance', 'check', compliant);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Result: COMPLIANT, 0 violations, 0 warnings');
    expect(result.stdout).toContain('Occupant load: 101 (L1 70, L2 31)');
  });

  it('check prints violations as a table without --json', async () => {
    const result = await arxflow('compliance', 'check', EXAMPLE_PLAN_PATH);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/RULE\s+ELEMENTS\s+REQUIRED\s+ACTUAL\s+UNIT\s+SEVERITY\s+MESSAGE/);
    expect(result.stdout).toMatch(/IBC-1010\.1\.1\s+D3\s+32\s+30\s+in\s+error/);
  });

  it('--jurisdiction checks against another code, and says an example is an example', async () => {
    const result = await arxflow(
      'compliance',
      'check',
      EXAMPLE_PLAN_PATH,
      '--jurisdiction',
      'EXAMPLE-CITY',
      '--as-of',
      '2025-07-01',
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('illustrative data, not a real adopted code');
    expect(result.stdout).toContain('EXC-1020.5');
  });

  it.each([
    ['a missing file', () => path.join(dir, 'missing.json'), /missing\.json: no such file$/],
    ['a directory', () => dir, /: a directory, not a file$/],
    [
      '/dev/zero (once read until the process aborted)',
      () => '/dev/zero',
      / \/dev\/zero: a character device, not a file$/,
    ],
    ['a file that is not JSON', () => file('bad.json', '{"schemaVersion": 1,'), /bad\.json: not valid JSON/],
    [
      'a plan with a negative area',
      () =>
        planFile('neg.json', (plan) => {
          plan.spaces[1].areaSqft = -600;
        }),
      /plan: spaces\.1\.areaSqft: must be 0 or more/,
    ],
    [
      'a plan with an unknown field',
      () =>
        planFile('extra.json', (plan) => {
          plan.doors[0].swing = 'in';
        }),
      /plan: doors\.0\.swing: unknown field/,
    ],
    [
      'a plan with an unknown level',
      () =>
        planFile('level.json', (plan) => {
          plan.corridors[0].level = 'L3';
        }),
      /corridors\.0\.level: unknown level "L3"/,
    ],
  ])('check exits 2 for %s, naming the problem', async (_what, makeFile, message) => {
    const result = await arxflow('compliance', 'check', makeFile(), '--json');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('check exits 2 for an unknown jurisdiction or a bad date', async () => {
    const unknown = await arxflow('compliance', 'check', EXAMPLE_PLAN_PATH, '--jurisdiction', 'ATLANTIS');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown jurisdiction "ATLANTIS"');
    expect((await arxflow('compliance', 'check', EXAMPLE_PLAN_PATH, '--as-of', 'next tuesday')).status).toBe(2);
    expect((await arxflow('compliance', 'check')).status).toBe(2);
  });

  it('rules lists the rules in force and what was deleted', async () => {
    const result = await arxflow(
      'compliance',
      'rules',
      '--jurisdiction',
      'EXAMPLE-CITY',
      '--as-of',
      '2025-07-01',
      '--json',
    );
    expect(result.status).toBe(0);
    const listing = JSON.parse(result.stdout);
    expect(listing.chain).toEqual(['IBC-2021', 'EXAMPLE-STATE', 'EXAMPLE-CITY']);
    expect(listing.rules.map((r: { rule: string }) => r.rule)).toContain('EXC-1020.5');
    expect(listing.rules.map((r: { rule: string }) => r.rule)).not.toContain('IBC-1020.5');
    expect(listing.deleted['IBC-1020.5']).toMatchObject({ amendment: 'EXC-2025-01' });
  });

  it('explain prints the rule, and exits 2 for an unknown one', async () => {
    const result = await arxflow('compliance', 'explain', 'IBC-1010.1.1');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Door clear width (IBC 1010.1.1)');
    expect(result.stdout).toContain('Source: IBC 2021 Section 1010.1.1');
    expect((await arxflow('compliance', 'explain', 'IBC-0')).status).toBe(2);
  });
});
