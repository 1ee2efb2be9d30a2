import {
  formatMatcher,
  matcherFromApi,
  matcherProblem,
  matches,
  matchesAll,
  MatcherSyntaxError,
  parseMatcher,
  parseMatcherList,
  type LabelMatcher,
} from '../../domain/alerts/matchers';
import { parseSilenceRequest } from '../../domain/alerts/silence-schemas';
import { activeSilenceFor, silenceState, type Silence } from '../../domain/alerts/silences';
import { InputError } from '../../domain/validation';

const labels = { alertname: 'DiskFull', service: 'billing', env: 'prod', instance: 'db-1:9100' };

describe('label matchers (Alertmanager semantics)', () => {
  it('parses quoted, bare and escaped values with all four operators', () => {
    expect(parseMatcher('service="billing"')).toEqual({ name: 'service', op: '=', value: 'billing' });
    expect(parseMatcher(' env != dev ')).toEqual({ name: 'env', op: '!=', value: 'dev' });
    expect(parseMatcher('instance=~"db-.*"')).toEqual({ name: 'instance', op: '=~', value: 'db-.*' });
    expect(parseMatcher('job!~"node|push"')).toEqual({ name: 'job', op: '!~', value: 'node|push' });
    expect(parseMatcher('msg="say \\"hi\\"\\n\\\\"')).toEqual({ name: 'msg', op: '=', value: 'say "hi"\n\\' });
    expect(parseMatcher('team=""')).toEqual({ name: 'team', op: '=', value: '' });
    expect(parseMatcherList('{service="billing", env=~"prod|staging", note="a,b"}').map(formatMatcher)).toEqual([
      'service="billing"',
      'env=~"prod|staging"',
      'note="a,b"',
    ]);
    expect(matcherFromApi({ name: 'env', value: 'dev.*', isRegex: true, isEqual: false })).toEqual({
      name: 'env',
      op: '!~',
      value: 'dev.*',
    });
    expect(matcherFromApi({ name: 'env', value: 'prod', isRegex: false })).toEqual({
      name: 'env',
      op: '=',
      value: 'prod',
    });
  });

  it('refuses malformed matchers with a reason', () => {
    const bad = [
      'service',
      '1abc="x"',
      'a=="x"',
      'a="unterminated',
      'a="x\\"',
      'a="bad \\t escape"',
      'a=two words',
      'a=~"("',
      'a="x"y"',
    ];
    for (const text of bad) expect(() => parseMatcher(text)).toThrow(MatcherSyntaxError);
    expect(() => parseMatcher('a=~"("')).toThrow(/invalid regular expression/);
    expect(matcherProblem({ name: 'a', op: '~', value: 'x' })).toMatch(/operator/);
    expect(matcherProblem({ name: 'a', op: '=', value: 'x'.repeat(2000) })).toMatch(/longer than/);
    expect(matcherProblem({ name: 'a', op: '=~', value: '.*' })).toBeUndefined();
  });

  it('reads a missing label as "" and anchors regular expressions at both ends', () => {
    const m = (text: string) => matches(parseMatcher(text), labels);
    expect([m('service="billing"'), m('service="bill"'), m('service!="billing"'), m('service!="web"')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([m('service=~"bill"'), m('service=~"bill.*"'), m('service=~"billing|web"'), m('service!~"bill"')]).toEqual([
      false,
      true,
      true,
      true,
    ]);
    // missing label
    expect([m('team=""'), m('team!=""'), m('team=~".*"'), m('team=~".+"'), m('team!~".+"'), m('team="x"')]).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    // present label against ""
    expect([m('service=""'), m('service!=""')]).toEqual([false, true]);
    // anchoring survives alternation: ^(?:a|b)$, not ^a|b$
    expect(m('instance=~"db|db-1:9100x"')).toBe(false);
    expect(matchesAll([], labels)).toBe(true);
    expect(matchesAll([parseMatcher('env="prod"'), parseMatcher('service=~"bill.*"')], labels)).toBe(true);
    expect(matchesAll([parseMatcher('env="prod"'), parseMatcher('service="web"')], labels)).toBe(false);
    expect(matches(parseMatcher('constructor="x"'), {})).toBe(false);
  });
});

describe('silences', () => {
  const T = Date.parse('2025-03-01T22:00:00Z');
  const H = 3_600_000;
  const silence = (id: string, matchers: string, from: number, to: number): Silence => ({
    id,
    matchers: parseMatcherList(matchers),
    startsAt: new Date(from).toISOString(),
    endsAt: new Date(to).toISOString(),
    createdBy: 'ops:ann',
    comment: id,
  });

  it('is active from startsAt (inclusive) to endsAt (exclusive)', () => {
    const s = silence('mw', 'service="billing"', T, T + H);
    expect([silenceState(s, T - 1), silenceState(s, T), silenceState(s, T + H - 1), silenceState(s, T + H)]).toEqual([
      'pending',
      'active',
      'active',
      'expired',
    ]);
    expect(activeSilenceFor(labels, [s], T - 1)).toBeUndefined();
    expect(activeSilenceFor(labels, [s], T)).toEqual({ silence: s, until: T + H });
    expect(activeSilenceFor(labels, [s], T + H)).toBeUndefined();
  });

  it('applies only when every matcher matches', () => {
    const other = silence('other', 'service="billing", env="staging"', T, T + H);
    const regex = silence('regex', 'instance=~"db-[0-9]+:.*"', T, T + 2 * H);
    expect(activeSilenceFor(labels, [other], T)).toBeUndefined();
    expect(activeSilenceFor(labels, [other, regex], T)?.silence.id).toBe('regex');
    expect(activeSilenceFor({ ...labels, instance: 'web-1' }, [other, regex], T)).toBeUndefined();
  });

  it('chains overlapping and back-to-back silences into one end; a gap ends it', () => {
    const first = silence('first', 'service="billing"', T, T + H);
    const extended = silence('extended', 'env="prod"', T + H, T + 2 * H);
    const overlapping = silence('overlap', 'alertname="DiskFull"', T + 90 * 60_000, T + 3 * H);
    const afterGap = silence('later', 'service="billing"', T + 3 * H + 1, T + 5 * H);
    const unrelated = silence('unrelated', 'service="web"', T, T + 10 * H);
    const all = [first, extended, overlapping, afterGap, unrelated];
    expect(activeSilenceFor(labels, all, T)).toEqual({ silence: first, until: T + 3 * H });
    expect(activeSilenceFor(labels, all, T + 3 * H)).toBeUndefined();
    expect(activeSilenceFor(labels, all, T + 3 * H + 1)).toEqual({ silence: afterGap, until: T + 5 * H });
    // of several active, the view names the one that lasts longest
    expect(activeSilenceFor(labels, all, T + 100 * 60_000)?.silence.id).toBe('overlap');
  });
});

describe('create-silence requests', () => {
  const NOW = Date.parse('2025-03-01T21:30:00Z');
  const context = { id: 'sil-1', createdBy: 'ops:ann', now: NOW };

  it('takes Alertmanager strings or API objects, an end or a duration; the creator comes from the caller', () => {
    const byEnd = parseSilenceRequest(
      {
        matchers: ['service="billing"', { name: 'env', value: 'prod|staging', isRegex: true }],
        startsAt: '2025-03-01T22:00:00Z',
        endsAt: '2025-03-02T02:00:00+00:00',
        comment: 'database maintenance',
      },
      context,
    );
    expect(byEnd).toEqual({
      id: 'sil-1',
      createdBy: 'ops:ann',
      comment: 'database maintenance',
      matchers: [
        { name: 'service', op: '=', value: 'billing' },
        { name: 'env', op: '=~', value: 'prod|staging' },
      ] satisfies LabelMatcher[],
      startsAt: '2025-03-01T22:00:00.000Z',
      endsAt: '2025-03-02T02:00:00.000Z',
    });
    // no start, or a start in the past: from now
    const byDuration = parseSilenceRequest(
      { matchers: ['service="billing"'], startsAt: '2025-03-01T00:00:00Z', duration: '2 hours', comment: 'deploy' },
      context,
    );
    expect([byDuration.startsAt, byDuration.endsAt]).toEqual(['2025-03-01T21:30:00.000Z', '2025-03-01T23:30:00.000Z']);
  });

  it('refuses what Alertmanager refuses, naming the field', () => {
    const refuse = (body: Record<string, unknown>) => {
      try {
        parseSilenceRequest({ matchers: ['service="billing"'], duration: '1 hour', comment: 'x', ...body }, context);
      } catch (err) {
        if (err instanceof InputError) return err.issues.map((i) => `${i.path}: ${i.message}`);
        throw err;
      }
      throw new Error('accepted');
    };
    expect(refuse({ matchers: [] })).toEqual(['matchers: name at least one matcher']);
    expect(refuse({ matchers: ['env=~".*"'] })[0]).toMatch(/^matchers: .*silence every alert/);
    expect(refuse({ matchers: ['service="billing"', 'bad matcher'] })[0]).toMatch(/^matchers\.1: /);
    expect(refuse({ duration: undefined })).toEqual(['endsAt: give either endsAt or duration']);
    expect(refuse({ duration: undefined, endsAt: '2025-03-01T20:00:00Z' })[0]).toMatch(
      /^endsAt: must be after the start/,
    );
    expect(refuse({ duration: '91 days' })).toEqual(['endsAt: a silence lasts at most 90 days']);
    expect(refuse({ comment: '' })[0]).toMatch(/^comment:/);
    expect(refuse({ createdBy: 'mallory' })[0]).toMatch(/^createdBy: unknown field/);
  });
});
