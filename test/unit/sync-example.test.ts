import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { complianceQuickCheck } from '../../activities/sync/compliance-quick-check';
import { checkPlan } from '../../domain/compliance/engine';
import { parsePlan } from '../../domain/compliance/plan-schema';
import { documentContentIssues } from '../../domain/sync/document-kinds';
import { readableChanges } from '../../domain/sync/json-diff';
import type { JsonValue } from '../../domain/sync/sync-types';
import { threeWayMerge } from '../../domain/sync/three-way-merge';
import { signTimestamped } from '../../platform/webhook-signatures';

/**
 * The files of docs/data-sync.md's walk-through (examples/sync/): a plan, two edits by two
 * people to different spaces of it, one edit that conflicts with the first, and one that adds
 * a code violation; and the external hook the walk-through runs. What the walk-through shows
 * must stay true of them.
 */
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'sync');
const read = (name: string) => JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8')) as JsonValue;
const base = read('office-plan.json');
const ana = read('ana-board-room.json');
const ben = read('ben-storage.json');
const carl = read('carl-conference.json');
const dana = read('dana-narrow-door.json');
const AS_OF = '2026-12-01';

function mergedOrThrow(ours: JsonValue, theirs: JsonValue): JsonValue {
  const result = threeWayMerge(base, ours, theirs, 'plan');
  if (!('merged' in result)) throw new Error(`expected a merge, got a conflict on ${result.conflict.join(', ')}`);
  return result.merged;
}

const errorsOf = (content: JsonValue) =>
  checkPlan(parsePlan(content), { asOf: AS_OF }).violations.filter((violation) => violation.severity === 'error');

describe('examples/sync (docs/data-sync.md walk-through)', () => {
  it.each(readdirSync(EXAMPLES).filter((name) => name.endsWith('.json')))(
    '%s is a valid document of kind plan',
    (name) => {
      expect(documentContentIssues('plan', read(name))).toEqual([]);
    },
  );

  it('each edit changes one space (or one door) of the plan, as the walk-through prints it', () => {
    expect(readableChanges(base, ana, 'plan')).toEqual([
      'spaces[id=S102].name: "Conference" -> "Board room"',
      'spaces[id=S102].areaSqft: 600 -> 640',
    ]);
    expect(readableChanges(base, ben, 'plan')).toEqual([
      'spaces[id=S202].name: "Storage" -> "Storage and archive"',
      'spaces[id=S202].areaSqft: 300 -> 420',
    ]);
    expect(readableChanges(base, carl, 'plan')).toEqual(['spaces[id=S102].areaSqft: 600 -> 700']);
    expect(readableChanges(base, dana, 'plan')).toEqual(['doors[id=D6].clearWidthIn: 32 -> 30']);
  });

  it("merges Ana's and Ben's edits of the same base: both spaces changed, in either order", () => {
    const merged = mergedOrThrow(ana, ben);
    const spaces = (merged as { spaces: { id: string; name: string; areaSqft: number }[] }).spaces;
    expect(spaces.find((space) => space.id === 'S102')).toMatchObject({ name: 'Board room', areaSqft: 640 });
    expect(spaces.find((space) => space.id === 'S202')).toMatchObject({ name: 'Storage and archive', areaSqft: 420 });
    expect(readableChanges(ana, merged, 'plan')).toEqual(readableChanges(base, ben, 'plan'));
    expect(mergedOrThrow(ben, ana)).toEqual(merged);
    expect(documentContentIssues('plan', merged)).toEqual([]);
    // The base and every step are compliant: the compliance quick check lets the merge through.
    expect(errorsOf(base)).toEqual([]);
    expect(errorsOf(merged)).toEqual([]);
  });

  it("Carl's edit of the base conflicts with the merged head on S102's area", () => {
    const head = mergedOrThrow(ana, ben);
    expect(threeWayMerge(base, head, carl, 'plan')).toEqual({ conflict: ['spaces[id=S102].areaSqft'] });
  });

  it("Dana's narrower door merges onto the head, and the compliance check denies it unless a reviewer overrides", () => {
    const head = mergedOrThrow(ana, ben);
    const proposed = threeWayMerge(base, head, dana, 'plan');
    if (!('merged' in proposed)) throw new Error(`unexpected conflict ${proposed.conflict.join(', ')}`);
    const check = (roles: string[], message: string) =>
      complianceQuickCheck({
        content: proposed.merged,
        parentContent: head,
        author: 'dana',
        authorRoles: roles,
        message,
        asOf: AS_OF,
      });
    const denied = check(['editor'], 'Narrow D6 to 30 in');
    expect(denied.allowed).toBe(false);
    expect(denied.reasons).toEqual([expect.stringMatching(/^new violation IBC-1010\.1\.1: Door D6/)]);
    expect(check(['editor'], 'Narrow D6\n\nOverride: existing frame').allowed).toBe(false);
    const overridden = check(
      ['editor', 'reviewer'],
      'Narrow D6 to 30 in\n\nOverride: storage room door, variance V-12',
    );
    expect(overridden.allowed).toBe(true);
    expect(overridden.reasons.at(-1)).toBe('overridden by dana: storage room door, variance V-12');
  });
});

/** Plain CommonJS node runs as it is (resolved, not imported: the test runs it as a process). */
const HOOK = require.resolve('../../examples/sync/ticket-hook.js');

describe('examples/sync/ticket-hook.js (the external hooks contract)', () => {
  const SECRET = 'walk-through-hook-secret';
  let hook: ChildProcess;
  let url: string;
  beforeAll(async () => {
    hook = spawn(process.execPath, [HOOK], {
      env: { ...process.env, HOOK_SECRET: SECRET, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      hook.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (http:\S+)/.exec(out);
        if (found) resolve(found[1]!);
      });
      hook.once('exit', (code) => reject(new Error(`ticket-hook exited ${code}: ${out}`)));
    });
  });
  afterAll(() => {
    hook?.kill('SIGTERM');
  });

  const change = (message: string) =>
    JSON.stringify({
      documentId: 'plan-office-200',
      kind: 'plan',
      author: 'carl',
      message,
      parent: null,
      content: base,
      patch: [],
      metadata: {},
    });
  const post = async (body: string, signature: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-arxflow-signature': signature },
      body,
    });
    return { status: response.status, answer: (await response.json()) as unknown };
  };
  const now = () => Date.now() / 1000;

  it('answers a request signed as arxflow signs it: allow with a ticket, deny with a reason without', async () => {
    const withTicket = change('S102 to 700 sq ft, PLAN-42');
    expect(await post(withTicket, signTimestamped(withTicket, SECRET, now()))).toEqual({
      status: 200,
      answer: { allow: true },
    });
    const without = change('S102 to 700 sq ft');
    expect(await post(without, signTimestamped(without, SECRET, now()))).toEqual({
      status: 200,
      answer: { allow: false, reasons: ['carl: name the ticket of this change (PLAN-<number>) in its message'] },
    });
    // While a secret rotates arxflow may sign with two: one matching v1 is enough.
    expect((await post(withTicket, signTimestamped(withTicket, ['old-secret-old-secret', SECRET], now()))).status).toBe(
      200,
    );
  });

  it('refuses (401) another secret, a changed body, an old timestamp and a missing header', async () => {
    const body = change('PLAN-1');
    expect((await post(body, signTimestamped(body, 'another-secret-entirely', now()))).status).toBe(401);
    expect((await post(change('PLAN-2'), signTimestamped(body, SECRET, now()))).status).toBe(401);
    expect((await post(body, signTimestamped(body, SECRET, now() - 3600))).status).toBe(401);
    expect((await post(body, '')).status).toBe(401);
  });

  it('is the verification code docs/data-sync.md shows', () => {
    const source = readFileSync(HOOK, 'utf8');
    const verify = /^function verifyArxflowSignature[\s\S]*?^}$/m.exec(source)?.[0];
    expect(verify).toBeDefined();
    const docs = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'data-sync.md'), 'utf8');
    expect(docs).toContain(verify);
  });
});
