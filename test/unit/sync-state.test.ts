import fc from 'fast-check';
import { DocumentSyncState, MAX_ANSWERED, MAX_RECENT, MAX_REFUSED } from '../../domain/sync/document-sync-state';
import { SYNC_LIMITS, type CommitOutcome, type CommitRequest, type SyncCommit } from '../../domain/sync/sync-types';

const hex = (n: number) => n.toString(16).padStart(64, '0');

function request(change: Partial<CommitRequest> = {}): CommitRequest {
  return {
    requestId: 'r1',
    actor: 'maria',
    roles: ['editor'],
    kind: 'budget',
    contentHash: hex(1),
    contentBytes: 1000,
    metadata: { source: 'excel' },
    message: 'First budget',
    ...change,
  };
}

function commitOf(n: number, change: Partial<SyncCommit> = {}): SyncCommit {
  return {
    commitId: hex(100 + n),
    documentId: 'doc-1',
    kind: 'budget',
    parents: n === 0 ? [] : [hex(100 + n - 1)],
    author: 'maria',
    message: `change ${n}`,
    at: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
    contentHash: hex(n),
    metadataHash: hex(0),
    patch: [],
    metadataPatch: [],
    stats: { added: n, removed: 0, changed: 1 },
    ...change,
  };
}

const committed = (commit: SyncCommit): CommitOutcome => ({
  outcome: 'committed',
  commitId: commit.commitId,
  parents: commit.parents,
  documentId: 'doc-1',
  stats: commit.stats,
  merged: false,
});

/** A state with `n` commits applied (ids hex(100)..hex(100+n-1)). */
function withCommits(n: number, limits = {}): DocumentSyncState {
  const state = new DocumentSyncState({ documentId: 'doc-1' }, limits);
  for (let i = 0; i < n; i++) state.committed(`req-${i}`, commitOf(i), committed(commitOf(i)));
  return state;
}

describe('DocumentSyncState: the commit validator', () => {
  it('accepts an editor or an admin, refuses other roles and an unverified sender', () => {
    const state = withCommits(0);
    expect(state.refusalOfCommit(request())).toBeUndefined();
    expect(state.refusalOfCommit(request({ roles: ['admin'] }))).toBeUndefined();
    expect(state.refusalOfCommit(request({ roles: ['viewer', 'operator'] }))).toBe(
      'maria may not commit to doc-1: role editor or admin needed',
    );
    expect(state.refusalOfCommit(request({ actor: 'unverified:maria' }))).toMatch(/^maria: identity not verified/);
  });

  it('names the field of a malformed request, an unknown kind and an unknown key', () => {
    const state = withCommits(0);
    expect(state.refusalOfCommit({ ...request(), contentHash: 'abc' })).toBe(
      'contentHash: must be a sha256 hex (64 lower-case hex characters)',
    );
    expect(state.refusalOfCommit({ ...request(), kind: 'spreadsheet' })).toBe(
      'kind: must be a document kind: plan, budget, schedule, json',
    );
    expect(state.refusalOfCommit({ ...request(), colour: 'red' })).toBe('colour: unknown field');
    expect(state.refusalOfCommit(null)).toMatch(/^request: /);
    expect(state.refusalOfCommit({ ...request(), message: '  ' })).toBe('message: must not be empty');
    expect(state.refusalOfCommit({ ...request(), message: 'x'.repeat(SYNC_LIMITS.maxMessageChars + 1) })).toBe(
      `message: must be at most ${SYNC_LIMITS.maxMessageChars} characters`,
    );
  });

  it('holds the document to the kind of its first commit', () => {
    const state = withCommits(1);
    expect(state.refusalOfCommit(request({ kind: 'budget', parent: hex(100) }))).toBeUndefined();
    expect(state.refusalOfCommit(request({ kind: 'plan', parent: hex(100) }))).toBe(
      'kind: doc-1 is a budget document; a plan cannot be committed to it',
    );
  });

  it('wants a parent exactly once the document has commits', () => {
    expect(withCommits(0).refusalOfCommit(request({ parent: hex(5) }))).toMatch(
      /^parent: doc-1 has no commits yet, so 000000000000 cannot be its parent/,
    );
    expect(withCommits(1).refusalOfCommit(request())).toBe(
      `parent: required: doc-1 has commits (head ${hex(100).slice(0, 12)}); name the commit your change is based on`,
    );
  });

  it('bounds the content by SYNC_LIMITS and by the config file, and the metadata by its own limit', () => {
    const state = withCommits(0);
    expect(state.refusalOfCommit(request({ contentBytes: SYNC_LIMITS.maxContentBytes }))).toBeUndefined();
    expect(state.refusalOfCommit(request({ contentBytes: SYNC_LIMITS.maxContentBytes + 1 }))).toBe(
      `contentBytes: ${SYNC_LIMITS.maxContentBytes + 1} bytes is over the limit of ${SYNC_LIMITS.maxContentBytes} bytes`,
    );
    const configured = withCommits(0, { maxContentBytes: 2000 });
    expect(configured.refusalOfCommit(request({ contentBytes: 2000 }))).toBeUndefined();
    expect(configured.refusalOfCommit(request({ contentBytes: 2001 }))).toBe(
      'contentBytes: 2001 bytes is over the limit of 2000 bytes',
    );
    // A config value above the platform's limit does not raise it.
    expect(withCommits(0, { maxContentBytes: 10 ** 12 }).refusalOfCommit(request({ contentBytes: 10 ** 10 }))).toMatch(
      /over the limit of 5242880 bytes/,
    );
    // Multi-byte characters count as their UTF-8 bytes: 6,000 × "€" is 18,000 bytes.
    expect(state.refusalOfCommit(request({ metadata: { note: '€'.repeat(6000) } }))).toBe(
      `metadata: ${18_000 + '{"note":""}'.length} bytes is over the limit of ${SYNC_LIMITS.maxMetadataBytes} bytes`,
    );
    expect(state.refusalOfCommit(request({ metadata: { note: 'a'.repeat(16_000) } }))).toBeUndefined();
    expect(state.refusalOfCommit(request({ metadata: { n: Number.NaN } }))).toBe('metadata.n: must be a finite number');
    expect(state.refusalOfCommit({ ...request(), metadata: undefined })).toBe('metadata: must be JSON (not undefined)');
  });

  it('accepts a repeat of an answered request id (it gets its first answer), even when it no longer fits', () => {
    const state = withCommits(1);
    // req-0 was the first commit, without a parent; a new request like it is refused.
    expect(state.refusalOfCommit(request({ requestId: 'req-0' }))).toBeUndefined();
    expect(state.refusalOfCommit(request({ requestId: 'req-new' }))).toMatch(/^parent: required/);
    expect(state.answerOf('req-0')).toEqual(committed(commitOf(0)));
    // Still not for an unverified sender.
    expect(state.refusalOfCommit(request({ requestId: 'req-0', actor: 'unverified:x' }))).toMatch(/not verified/);
  });
});

describe('DocumentSyncState: the revert validator', () => {
  const revert = (change: Record<string, unknown> = {}) => ({
    requestId: 'rv',
    actor: 'maria',
    roles: ['editor'],
    commitId: hex(100),
    ...change,
  });

  it('needs a head, an editor, and a commit other than the head', () => {
    expect(withCommits(0).refusalOfRevert(revert())).toBe('doc-1 has no commits yet: nothing to revert');
    const state = withCommits(2);
    expect(state.refusalOfRevert(revert())).toBeUndefined();
    expect(state.refusalOfRevert(revert({ roles: ['viewer'] }))).toBe(
      'maria may not revert doc-1: role editor or admin needed',
    );
    expect(state.refusalOfRevert(revert({ commitId: hex(101) }))).toMatch(/^commitId: 000000000000 is the head/);
    expect(state.refusalOfRevert(revert({ commitId: 'HEAD' }))).toMatch(/^commitId: must be a sha256 hex/);
    expect(state.refusalOfRevert(revert({ actor: 'unverified:maria' }))).toMatch(/identity not verified/);
  });

  it('writes the default message from the reverted commit when it is recent', () => {
    const state = withCommits(30);
    expect(state.revertMessage(hex(125))).toBe('Revert "change 25"');
    expect(state.revertMessage(hex(100))).toBe(`Revert ${hex(100).slice(0, 12)}`);
  });
});

describe('DocumentSyncState: commits, refusals, the view and what continues', () => {
  it('moves head, takes the first commit kind, counts commits and keeps the newest 20, newest first', () => {
    const state = withCommits(25);
    const view = state.view(3);
    expect(view).toMatchObject({ documentId: 'doc-1', kind: 'budget', head: hex(124), commits: 25, pending: 3 });
    expect(view.recent).toHaveLength(MAX_RECENT);
    expect(view.recent[0]).toEqual({
      commitId: hex(124),
      parents: [hex(123)],
      author: 'maria',
      message: 'change 24',
      at: commitOf(24).at,
      stats: commitOf(24).stats,
    });
    expect(view.recent.at(-1)!.commitId).toBe(hex(105));
    expect(withCommits(0).view()).toEqual({ documentId: 'doc-1', commits: 0, recent: [], pending: 0, refused: [] });
  });

  it('keeps the newest 20 refusals, newest first, a conflict as its paths', () => {
    const state = withCommits(1);
    for (let i = 0; i < 25; i++)
      state.refuse(`d-${i}`, 'ivan', `2025-02-01T00:00:${String(i).padStart(2, '0')}.000Z`, {
        outcome: 'denied',
        documentId: 'doc-1',
        reasons: [`schema: bad ${i}`],
        verdicts: [{ hook: 'schema', allowed: false, reasons: [`bad ${i}`] }],
      });
    state.refuse('c-1', 'ana', '2025-02-02T00:00:00.000Z', {
      outcome: 'conflict',
      documentId: 'doc-1',
      head: hex(100),
      paths: ['lines[id=L2].amountCents'],
    });
    state.refuse('c-2', 'ana', '2025-02-02T00:00:01.000Z', {
      outcome: 'conflict',
      documentId: 'doc-1',
      head: hex(100),
      paths: [],
    });
    const { refused } = state.view();
    expect(refused).toHaveLength(MAX_REFUSED);
    expect(refused[0]).toEqual({
      requestId: 'c-2',
      author: 'ana',
      at: '2025-02-02T00:00:01.000Z',
      outcome: 'conflict',
      reasons: [`conflict: the head moved to ${hex(100).slice(0, 12)}`],
    });
    expect(refused[1]!.reasons).toEqual(['conflict: lines[id=L2].amountCents']);
    expect(refused[2]).toMatchObject({ requestId: 'd-24', outcome: 'denied', reasons: ['schema: bad 24'] });
    expect(refused.at(-1)!.requestId).toBe('d-7');
    expect(state.answerOf('c-1')).toMatchObject({ outcome: 'conflict' });
    expect(() => state.refuse('x', 'a', 'now', committed(commitOf(0)))).toThrow(/not a refusal/);
  });

  it('keeps the newest 200 answers: an older request id is forgotten', () => {
    const state = withCommits(MAX_ANSWERED + 10);
    expect(state.answerOf('req-9')).toBeUndefined();
    expect(state.answerOf('req-10')).toBeDefined();
    expect(state.carried().answered).toHaveLength(MAX_ANSWERED);
    expect(state.carried().answered.at(-1)![0]).toBe(`req-${MAX_ANSWERED + 9}`);
  });

  it('hands out copies: a caller changing a view or an answer does not change the state', () => {
    const state = withCommits(2);
    state.view().recent.pop();
    state.answerOf('req-1')!.documentId = 'other';
    expect(state.view().recent).toHaveLength(2);
    expect(state.answerOf('req-1')!.documentId).toBe('doc-1');
  });

  it('a continued run (carried through JSON, as in history) has the same view, answers and rules', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constant('commit' as const), fc.constant('deny' as const), fc.constant('conflict' as const)),
          {
            maxLength: 60,
          },
        ),
        (steps) => {
          const state = new DocumentSyncState({ documentId: 'doc-1' });
          steps.forEach((step, i) => {
            if (step === 'commit') {
              const commit = commitOf(i, { parents: state.head ? [state.head] : [] });
              state.committed(`q-${i}`, commit, committed(commit));
            } else if (step === 'deny')
              state.refuse(`q-${i}`, 'ivan', 'at', {
                outcome: 'denied',
                documentId: 'doc-1',
                reasons: ['no'],
                verdicts: [],
              });
            else
              state.refuse(`q-${i}`, 'ivan', 'at', {
                outcome: 'conflict',
                documentId: 'doc-1',
                head: hex(1),
                paths: ['a'],
              });
          });
          const next = new DocumentSyncState({
            documentId: 'doc-1',
            carried: JSON.parse(JSON.stringify(state.carried())),
          });
          expect(next.view(1)).toEqual(state.view(1));
          expect(next.carried()).toEqual(state.carried());
          steps.forEach((_, i) => expect(next.answerOf(`q-${i}`)).toEqual(state.answerOf(`q-${i}`)));
          const probe = request({ requestId: 'probe', parent: state.head ?? hex(1) });
          expect(next.refusalOfCommit(probe)).toEqual(state.refusalOfCommit(probe));
        },
      ),
    );
  });
});
