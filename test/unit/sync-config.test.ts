import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { configFileSchema } from '../../domain/config-file';
import { matchesDocumentGlob } from '../../domain/sync/document-glob';
import { DEFAULT_SYNC_CONFIG, parseSyncConfig, subscriberTargets } from '../../domain/sync/sync-config';
import { SYNC_LIMITS } from '../../domain/sync/sync-types';
import { InputError } from '../../domain/validation';
import { loadConfigFile } from '../../platform/config-file';

const refusal = (section: unknown): string => {
  try {
    parseSyncConfig(section);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the section to be refused');
};

describe('the config file sync section', () => {
  it('is the defaults when left out or empty', () => {
    expect(configFileSchema.parse({}).sync).toEqual(DEFAULT_SYNC_CONFIG);
    expect(configFileSchema.parse({ sync: null }).sync).toEqual(DEFAULT_SYNC_CONFIG);
    expect(DEFAULT_SYNC_CONFIG).toEqual({ subscribers: [], maxContentBytes: SYNC_LIMITS.maxContentBytes });
  });

  it('reads subscribers and a lower limit from YAML, kinds and documents defaulted', () => {
    const text = `
sync:
  maxContentBytes: 1048576
  subscribers:
    - kinds: [plan, schedule]
      documents: "projects/tower-1/*"
      targets: ["slack:#plans", "email:pm@example.com", "webhook:https://hooks.example.com/sync"]
    - targets: [" slack:U024BE7LH "]
`;
    expect(configFileSchema.parse(parseYaml(text)).sync).toEqual({
      maxContentBytes: 1_048_576,
      subscribers: [
        {
          kinds: ['plan', 'schedule'],
          documents: 'projects/tower-1/*',
          targets: ['slack:#plans', 'email:pm@example.com', 'webhook:https://hooks.example.com/sync'],
        },
        { kinds: [], documents: '*', targets: ['slack:U024BE7LH'] },
      ],
    });
  });

  it.each([
    [{ subscriber: [] }, 'sync: subscriber: unknown field'],
    [{ subscribers: [{ target: ['slack:#a'], targets: ['slack:#a'] }] }, 'sync: subscribers.0.target: unknown field'],
    [{ subscribers: [{ targets: [] }] }, 'sync: subscribers.0.targets: name at least one target'],
    [
      { subscribers: [{ targets: ['slack:#a', 'teams:#b'] }] },
      'sync: subscribers.0.targets.1: must be one of slack:#channel',
    ],
    [{ subscribers: [{ targets: ['slack:plans'] }] }, 'sync: subscribers.0.targets.0: must be a Slack channel'],
    [
      { subscribers: [{ targets: ['email:nobody'] }] },
      'sync: subscribers.0.targets.0: must be "email:" and an email address',
    ],
    [
      { subscribers: [{ targets: ['webhook:ftp://x.y'] }] },
      'sync: subscribers.0.targets.0: must be "webhook:" and an http(s) URL',
    ],
    [
      { subscribers: [{ kinds: ['drawing'], targets: ['slack:#a'] }] },
      'sync: subscribers.0.kinds.0: must be a document kind: plan, budget, schedule, json',
    ],
    [
      { subscribers: [{ documents: 'a b', targets: ['slack:#a'] }] },
      'sync: subscribers.0.documents: must not contain spaces',
    ],
    [
      { maxContentBytes: SYNC_LIMITS.maxContentBytes + 1 },
      `sync: maxContentBytes: must be at most ${SYNC_LIMITS.maxContentBytes}`,
    ],
    [{ maxContentBytes: 0 }, 'sync: maxContentBytes: must be more than 0 (bytes)'],
    [{ maxContentBytes: 1.5 }, 'sync: maxContentBytes: must be a whole number of bytes'],
    [{ subscribers: {} }, 'sync: subscribers: must be a list of subscribers'],
  ])('refuses %j, naming the path', (section, expected) => {
    expect(refusal(section)).toContain(expected);
  });

  it('a mistake in the file names the file and the path', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sync-config-'));
    try {
      const file = path.join(dir, 'arxflow.config.yaml');
      writeFileSync(file, 'sync:\n  subscribers:\n    - targets: ["slack:#ok", "pager:x"]\n');
      expect(() => loadConfigFile(file)).toThrow(`${file}: sync.subscribers.0.targets.1: must be one of`);
      writeFileSync(file, 'sync:\n  maxContentBytes: 2048\n');
      expect(loadConfigFile(file).sync.maxContentBytes).toBe(2048);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('subscriberTargets', () => {
  const config = parseSyncConfig({
    subscribers: [
      { kinds: ['plan'], documents: 'tower-1/*', targets: ['slack:#plans', 'email:pm@example.com'] },
      { documents: '*', targets: ['slack:#all', 'slack:#plans'] },
      { kinds: ['budget'], targets: ['email:finance@example.com'] },
    ],
  });

  it('picks the subscribers of the kind and document, each target once, in config order', () => {
    expect(subscriberTargets(config, 'plan', 'tower-1/ground')).toEqual([
      'slack:#plans',
      'email:pm@example.com',
      'slack:#all',
    ]);
    expect(subscriberTargets(config, 'plan', 'annex/ground')).toEqual(['slack:#all', 'slack:#plans']);
    expect(subscriberTargets(config, 'budget', 'tower-1/costs')).toEqual([
      'slack:#all',
      'slack:#plans',
      'email:finance@example.com',
    ]);
    expect(subscriberTargets(DEFAULT_SYNC_CONFIG, 'json', 'x')).toEqual([]);
  });
});

describe('document globs', () => {
  it.each([
    ['*', 'anything/at/all', true],
    ['tower-1/*', 'tower-1/plan', true],
    ['tower-1/*', 'tower-2/plan', false],
    ['*/plan', 'tower-1/plan', true],
    ['*/plan', 'tower-1/plans', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (glob, id, expected) => {
    expect(matchesDocumentGlob(glob, id)).toBe(expected);
  });

  it('agrees with a regular expression where * is .*', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 8 });
    const glob = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '*'), maxLength: 6 });
    fc.assert(
      fc.property(glob, text, (pattern, id) => {
        const regex = new RegExp(
          `^${pattern
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
            .join('.*')}$`,
          's',
        );
        expect(matchesDocumentGlob(pattern, id)).toBe(regex.test(id));
      }),
      { numRuns: 2000 },
    );
  });
});
