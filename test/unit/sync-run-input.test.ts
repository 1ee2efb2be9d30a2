import { documentIdSchema } from '../../client/api/sync-operations';
import { documentSyncRunInputSchema, syncDocumentIdSchema } from '../../domain/sync/document-sync-input';
import { DocumentSyncState } from '../../domain/sync/document-sync-state';
import type { CommitOutcome } from '../../domain/sync/sync-types';
import { InputError, parseInput } from '../../domain/validation';

const hex = (n: number) => n.toString(16).padStart(64, '0');

/** A state as a run hands it on: two commits, a denial and a conflict (one whose head could not be named). */
function carriedState() {
  const state = new DocumentSyncState({ documentId: 'plan-7' });
  for (const n of [1, 2]) {
    const parents = n === 1 ? [] : [hex(1)];
    const stats = { added: n, removed: 0, changed: 0 };
    const outcome: CommitOutcome = {
      outcome: 'committed',
      commitId: hex(n),
      parents,
      documentId: 'plan-7',
      stats,
      merged: false,
    };
    const at = `2026-01-0${n}T00:00:00.000Z`;
    state.committed(
      `req-${n}`,
      { commitId: hex(n), kind: 'plan', parents, author: 'ana', message: 'm', at, stats },
      outcome,
    );
  }
  state.refuse('req-3', 'ben', '2026-01-03T00:00:00.000Z', {
    outcome: 'denied',
    documentId: 'plan-7',
    reasons: ['compliance: door D1 too narrow'],
    verdicts: [{ hook: 'compliance', allowed: false, reasons: ['door D1 too narrow'] }],
  });
  state.refuse('req-4', 'carl', '2026-01-04T00:00:00.000Z', {
    outcome: 'conflict',
    documentId: 'plan-7',
    head: '',
    paths: [],
  });
  return state.carried();
}

const parse = (input: unknown) => parseInput(documentSyncRunInputSchema, input, 'documentSync input');
const refusal = (input: unknown) => {
  try {
    parse(input);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
};

describe('documentSync start input', () => {
  it('accepts what a client starts with and what a run hands the next one, unchanged', () => {
    expect(parse({ documentId: 'plan-7' })).toEqual({ documentId: 'plan-7' });
    const continued = {
      documentId: 'plan-7',
      carried: carriedState(),
      unannounced: [hex(2)],
      unannouncedDropped: 3,
      options: { commitsPerRun: 4, maxUnannounced: 10 },
    };
    expect(parse(continued)).toEqual(continued);
  });

  it('refuses a malformed start naming each field', () => {
    expect(refusal({})).toMatch(/^documentSync input: documentId: /);
    expect(refusal({ documentId: 'hooks' })).toBe(
      'documentSync input: documentId: "hooks" is reserved (GET /v1/sync/hooks)',
    );
    expect(refusal({ documentId: 'a/b' })).toMatch(/^documentSync input: documentId: a document id: /);
    expect(refusal({ documentId: 'plan-7', owner: 'x' })).toBe('documentSync input: owner: unknown field');
    expect(refusal({ documentId: 'plan-7', options: { commitsPerRun: 0 } })).toMatch(
      /^documentSync input: options\.commitsPerRun: /,
    );
    expect(refusal({ documentId: 'plan-7', options: { maxUnanounced: 5 } })).toBe(
      'documentSync input: options.maxUnanounced: unknown field',
    );
    expect(refusal({ documentId: 'plan-7', unannounced: ['HEAD'] })).toMatch(/^documentSync input: unannounced\.0: /);
    const carried = carriedState();
    expect(refusal({ documentId: 'plan-7', carried: { ...carried, head: 'main' } })).toMatch(
      /^documentSync input: carried\.head: /,
    );
    expect(
      refusal({ documentId: 'plan-7', carried: { ...carried, answered: [['req-1', { outcome: 'ok' }]] } }),
    ).toMatch(/^documentSync input: carried\.answered\.0\.1\.outcome: /);
  });

  it('the document id rule is the one the API and the CLI check', () => {
    for (const id of ['project-12.budget', 'a@b:c_d', 'hooks', 'a/b', '-x', `p${'x'.repeat(200)}`]) {
      expect([id, documentIdSchema.safeParse(id).success]).toEqual([id, syncDocumentIdSchema.safeParse(id).success]);
    }
    expect(syncDocumentIdSchema.safeParse('project-12.budget').success).toBe(true);
  });
});
