import { reachable } from '../support/runtime-imports';

/**
 * What the documentSync workflow loads from domain/sync stays light and deterministic: its
 * state class reaches only domain files and zod. Hashing (node:crypto, content-hash.ts) and
 * diffs (fast-json-patch) run in activities and clients, never in the workflow sandbox.
 */
describe('modules the documentSync state loads', () => {
  it('domain/sync/document-sync-state.ts reaches only domain files and zod', () => {
    const modules = [...reachable('domain/sync/document-sync-state.ts').keys()];
    expect(modules.filter((module) => !module.startsWith('domain/') && module !== 'zod')).toEqual([]);
    expect(modules).not.toContain('domain/sync/content-hash.ts');
    expect(modules).not.toContain('domain/sync/json-diff.ts');
  });

  it('the file that hashes is the one that imports node:crypto', () => {
    expect([...reachable('domain/sync/content-hash.ts').keys()]).toContain('node:crypto');
  });
});
