import { branchNameRefusal, MAX_BRANCH_NAME_CHARS, syncBranchNameSchema } from '../../domain/sync/branch-names';
import { branchBodySchema, mergeBodySchema } from '../../client/api/sync-operations';
import { branchCreateRequestSchema, commitRequestSchema } from '../../domain/sync/sync-requests';

// Branch names are git-like (domain/sync/branch-names.ts): what a git user would type passes,
// what git refuses or what would read as something else (`head`, a range) is refused with why.
describe('sync branch names', () => {
  it.each(['main', 'feature/doors', 'ana.board-room_2', 'release/2026.12', 'a', 'A1/b2/c3', 'x'.repeat(100)])(
    'accepts %s',
    (name) => {
      expect(branchNameRefusal(name)).toBeUndefined();
      expect(syncBranchNameSchema.safeParse(name).success).toBe(true);
    },
  );

  it.each([
    ['', 'must not be empty'],
    ['head', 'head'],
    ['HEAD', 'head'],
    ['Head', 'head'],
    ['a..b', '".."'],
    ['a//b', '"//"'],
    ['feature/', 'must not end with "/"'],
    ['v1.', 'must not end with "/" or "."'],
    ['topic.lock', '.lock'],
    ['-x', 'starting with a letter or digit'],
    ['.hidden', 'starting with a letter or digit'],
    ['/abs', 'starting with a letter or digit'],
    ['with space', 'letters, digits'],
    ['tab\there', 'letters, digits'],
    ['ümlaut', 'letters, digits'],
    ['a:b', 'letters, digits'],
    ['a~1', 'letters, digits'],
    ['x'.repeat(MAX_BRANCH_NAME_CHARS + 1), `at most ${MAX_BRANCH_NAME_CHARS}`],
  ])('refuses %j (%s)', (name, why) => {
    expect(branchNameRefusal(name)).toContain(why);
    expect(syncBranchNameSchema.safeParse(name).success).toBe(false);
  });

  it('refuses a bad name in every request that carries one, naming the field', () => {
    const named = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
      result.success ? [] : result.error!.issues.map((issue) => issue.path.join('.'));
    expect(named(branchBodySchema.safeParse({ name: 'a..b' }))).toEqual(['name']);
    expect(named(mergeBodySchema.safeParse({ branch: 'head', message: 'm' }))).toEqual(['branch']);
    const request = { requestId: 'r', actor: 'a', roles: ['editor'] };
    expect(named(branchCreateRequestSchema.safeParse({ ...request, name: 'x//y' }))).toEqual(['name']);
    const commit = {
      ...request,
      kind: 'json',
      contentHash: 'a'.repeat(64),
      contentBytes: 2,
      metadata: {},
      message: 'm',
    };
    expect(named(commitRequestSchema.safeParse({ ...commit, branch: 'bad name' }))).toEqual(['branch']);
    expect(named(commitRequestSchema.safeParse({ ...commit, branch: 'fine/name' }))).toEqual([]);
    expect(named(commitRequestSchema.safeParse(commit))).toEqual([]);
  });
});
