import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../platform/config-file';
import { configFileSchema } from '../../domain/config-file';

const SHIPPED = path.resolve(__dirname, '..', '..', 'arxflow.config.yaml');

describe('compliance section of the config file (plan review teams per jurisdiction)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-compliance-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fileWith = (text: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('has no jurisdictions when left out, empty, or as shipped (the example is commented out)', () => {
    expect(configFileSchema.parse({}).compliance).toEqual({ jurisdictions: [] });
    expect(loadConfigFile(fileWith('compliance:\n')).compliance).toEqual({ jurisdictions: [] });
    expect(loadConfigFile(SHIPPED).compliance).toEqual({ jurisdictions: [] });
  });

  it('parses the shipped example once uncommented', () => {
    const text = readFileSync(SHIPPED, 'utf8')
      .replace('  jurisdictions: []\n', '')
      .replace(/^ {2}# (jurisdictions:| {2}.*)$/gm, '  $1');
    expect(loadConfigFile(fileWith(text)).compliance).toEqual({
      jurisdictions: [
        {
          id: 'IBC-2021',
          reviewers: ['rev-ray', 'rev-rosa'],
          supervisor: 'sup-sam',
          policy: {
            reviewSlaBusinessDays: 15,
            correctionBusinessDays: 10,
            requiredDocuments: ['floor-plans', 'code-analysis'],
          },
        },
      ],
    });
  });

  it('names the file and the field of a mistake: unknown jurisdiction, twice configured, no reviewers, unknown key', () => {
    const team = '{ id: IBC-2021, reviewers: [rev-ray], supervisor: sup-sam }';
    const cases: [string, RegExp][] = [
      [
        'compliance: { jurisdictions: [{ id: ATLANTIS, reviewers: [r], supervisor: s }] }',
        /compliance\.jurisdictions\.0\.id: not a jurisdiction arxflow has rules for \(IBC-2021, EXAMPLE-STATE, EXAMPLE-CITY\)/,
      ],
      [
        `compliance: { jurisdictions: [${team}, ${team}] }`,
        /compliance\.jurisdictions\.1\.id: IBC-2021 is configured twice/,
      ],
      [
        'compliance: { jurisdictions: [{ id: IBC-2021, reviewers: [], supervisor: s }] }',
        /compliance\.jurisdictions\.0\.reviewers/,
      ],
      [
        'compliance: { jurisdictions: [{ id: IBC-2021, reviewers: [r], supervisor: s, policy: { reviewSlaBusinessDays: 0 } }] }',
        /compliance\.jurisdictions\.0\.policy\.reviewSlaBusinessDays/,
      ],
      ['compliance: { teams: [] }', /compliance\.teams: unknown field/],
    ];
    for (const [text, message] of cases) {
      const file = fileWith(text);
      expect(() => loadConfigFile(file)).toThrow(message);
      expect(() => loadConfigFile(file)).toThrow(file);
    }
  });
});
