import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { sha256Hex } from '../../domain/alerts/sha256';
import { canonicalBytes, commitIdOf, contentHash, type CommitIdFields } from '../../domain/sync/content-hash';
import type { JsonValue } from '../../domain/sync/sync-types';
import { syncBudget } from '../fixtures/sync-documents';

const ROOT = path.resolve(__dirname, '../..');

const commitFields = (): fc.Arbitrary<CommitIdFields> =>
  fc.record({
    documentId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
    parents: fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 2 }),
    contentHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    metadataHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    author: fc.string({ minLength: 1, maxLength: 30 }),
    message: fc.string({ maxLength: 200 }),
    at: fc
      .date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  });

describe('content hash and commit id', () => {
  it('hashes the canonical JSON: keys sorted at every depth, with sha256 over UTF-8', () => {
    const written = { b: [2, { z: 1, a: 'é' }], a: null };
    // The canonical text by hand, hashed by an independent implementation (domain/alerts/sha256.ts).
    expect(contentHash(written)).toBe(sha256Hex('{"a":null,"b":[2,{"a":"é","z":1}]}'));
    expect(contentHash({ a: null, b: [2, { a: 'é', z: 1 }] })).toBe(contentHash(written));
    expect(contentHash({ a: null, b: [{ a: 'é', z: 1 }, 2] })).not.toBe(contentHash(written));
    expect(canonicalBytes({ price: '€' })).toBe(Buffer.byteLength('{"price":"€"}'));
    expect(() => contentHash(undefined as unknown as JsonValue)).toThrow('content must be a JSON value');
  });

  it('a commit id is the hash of exactly its seven fields', () => {
    const fields: CommitIdFields = {
      documentId: 'budget-tower-1',
      parents: ['a'.repeat(64)],
      contentHash: contentHash(syncBudget()),
      metadataHash: contentHash({}),
      author: 'maria',
      message: 'Raise line 2',
      at: '2025-05-01T10:00:00.000Z',
    };
    const expected = sha256Hex(
      `{"at":"2025-05-01T10:00:00.000Z","author":"maria","contentHash":"${fields.contentHash}","documentId":"budget-tower-1",` +
        `"message":"Raise line 2","metadataHash":"${fields.metadataHash}","parents":["${'a'.repeat(64)}"]}`,
    );
    expect(commitIdOf(fields)).toBe(expected);
    // A whole commit row gives the same id: the patch and stats are derived, not identity.
    expect(commitIdOf({ ...fields, patch: [], stats: { added: 1 } } as CommitIdFields)).toBe(expected);
  });

  it('changing any one field changes the commit id', () => {
    fc.assert(
      fc.property(
        commitFields(),
        commitFields(),
        fc.constantFrom(
          ...(['documentId', 'parents', 'contentHash', 'metadataHash', 'author', 'message', 'at'] as const),
        ),
        (a, b, field) => {
          fc.pre(JSON.stringify(a[field]) !== JSON.stringify(b[field]));
          expect(commitIdOf({ ...a, [field]: b[field] })).not.toBe(commitIdOf(a));
        },
      ),
    );
  });

  it('commit ids and content hashes are the same in another process (keys there in reverse order)', () => {
    const samples = fc.sample(fc.tuple(commitFields(), fc.jsonValue({ maxDepth: 4 })), { numRuns: 50, seed: 15 });
    const dir = mkdtempSync(path.join(tmpdir(), 'sync-hash-'));
    try {
      const script = path.join(dir, 'ids.ts');
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs';
import { commitIdOf, contentHash } from ${JSON.stringify(path.join(ROOT, 'domain/sync/content-hash'))};
const reversed = (value: any): any =>
  Array.isArray(value) ? value.map(reversed)
  : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
  : value;
const samples = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(samples.map(([fields, content]: any) => [commitIdOf(reversed(fields)), contentHash(reversed(content))])));
`,
      );
      const input = JSON.stringify(samples);
      const output = execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), [script], { input, encoding: 'utf8' });
      // The same JSON text here, so both sides hash what crossed the pipe (-0 and 0 are one JSON number).
      const here = (JSON.parse(input) as [CommitIdFields, JsonValue][]).map(([fields, content]) => [
        commitIdOf(fields),
        contentHash(content),
      ]);
      expect(JSON.parse(output)).toEqual(here);
      expect(new Set(here.map(([id]) => id)).size).toBe(samples.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
