import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  derivedDeliveryId,
  signGithub,
  signTimestamped,
  verifySignature,
  type VerifyInput,
} from '../../platform/webhook-signatures';

const OLD_SECRET = 'old-secret-0123456789';
const NEW_SECRET = 'new-secret-0123456789';
const THIRD_SECRET = 'third-secret-0123456789';
const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const FIVE_MINUTES_MS = 5 * 60_000;
const body = Buffer.from('{"build":{"id":42},"repository":{"name":"tower-a"}}');

const input = (header: string | undefined, overrides: Partial<VerifyInput> = {}): VerifyInput => ({
  header,
  body,
  secrets: [NEW_SECRET],
  nowMs: NOW_MS,
  toleranceMs: FIVE_MINUTES_MS,
  ...overrides,
});

describe('github scheme (X-Hub-Signature-256)', () => {
  it('accepts sha256=<hex HMAC-SHA256 of the raw body>, computed independently', () => {
    const header = `sha256=${createHmac('sha256', NEW_SECRET).update(body).digest('hex')}`;
    expect(signGithub(body, NEW_SECRET)).toBe(header);
    expect(verifySignature('github', input(header)).result).toBe('valid');
  });

  it('accepts an upper-case hex digest', () => {
    const header = `sha256=${signGithub(body, NEW_SECRET).slice('sha256='.length).toUpperCase()}`;
    expect(verifySignature('github', input(header)).result).toBe('valid');
  });

  it('refuses a signature made with another secret', () => {
    expect(verifySignature('github', input(signGithub(body, THIRD_SECRET)))).toEqual({
      result: 'invalid',
      reason: 'signature does not match',
    });
  });

  it('refuses a body altered after signing, even by one byte', () => {
    const altered = Buffer.from(body.toString().replace('42', '43'));
    expect(verifySignature('github', input(signGithub(body, NEW_SECRET), { body: altered })).result).toBe('invalid');
    // Re-serialising the same JSON changes the bytes too: the raw body is what is signed.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    expect(verifySignature('github', input(signGithub(body, NEW_SECRET), { body: reformatted })).result).toBe(
      'invalid',
    );
  });

  it.each([[undefined], [''], ['   ']])('reports a missing header (%p)', (header) => {
    expect(verifySignature('github', input(header))).toEqual({
      result: 'missing',
      reason: 'missing x-hub-signature-256 header',
    });
  });

  it.each([
    ['no prefix', () => signGithub(body, NEW_SECRET).replace('sha256=', '')],
    ['sha1', () => signGithub(body, NEW_SECRET).replace('sha256=', 'sha1=')],
    ['truncated digest', () => signGithub(body, NEW_SECRET).slice(0, -2)],
    ['not hex', () => `sha256=${'z'.repeat(64)}`],
  ])('refuses a malformed header: %s', (_label, header) => {
    expect(verifySignature('github', input(header())).result).toBe('invalid');
  });

  it('rotation: the old and the new secret both pass, a third does not', () => {
    const secrets = [NEW_SECRET, OLD_SECRET];
    expect(verifySignature('github', input(signGithub(body, OLD_SECRET), { secrets })).result).toBe('valid');
    expect(verifySignature('github', input(signGithub(body, NEW_SECRET), { secrets })).result).toBe('valid');
    expect(verifySignature('github', input(signGithub(body, THIRD_SECRET), { secrets })).result).toBe('invalid');
  });

  it('never accepts a signature of a different body (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.uint8Array({ maxLength: 256 }), (signed, sent) => {
        fc.pre(!Buffer.from(signed).equals(Buffer.from(sent)));
        const header = signGithub(Buffer.from(signed), NEW_SECRET);
        return verifySignature('github', input(header, { body: Buffer.from(sent) })).result === 'invalid';
      }),
    );
  });
});

describe('timestamped scheme (X-Arxflow-Signature)', () => {
  it('accepts t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, computed independently', () => {
    const digest = createHmac('sha256', NEW_SECRET).update(`${NOW_S}.`).update(body).digest('hex');
    const header = `t=${NOW_S},v1=${digest}`;
    expect(signTimestamped(body, NEW_SECRET, NOW_S)).toBe(header);
    expect(verifySignature('timestamped', input(header)).result).toBe('valid');
  });

  it('tolerates spaces after the commas and unknown fields (v0, future versions)', () => {
    const header = signTimestamped(body, NEW_SECRET, NOW_S).replace(',', ', v0=abc, ');
    expect(verifySignature('timestamped', input(header)).result).toBe('valid');
  });

  it.each([
    ['6 minutes old', -6 * 60],
    ['6 minutes ahead', 6 * 60],
  ])('refuses an authentic signature %s as stale', (_label, offsetSeconds) => {
    const verification = verifySignature(
      'timestamped',
      input(signTimestamped(body, NEW_SECRET, NOW_S + offsetSeconds)),
    );
    expect(verification.result).toBe('stale');
    expect(verification.reason).toMatch(/360s from now \(tolerance 300s\)/);
  });

  it.each([
    ['4 minutes old', -4 * 60],
    ['4 minutes ahead', 4 * 60],
    ['exactly 5 minutes old', -5 * 60],
  ])('accepts a signature %s', (_label, offsetSeconds) => {
    expect(verifySignature('timestamped', input(signTimestamped(body, NEW_SECRET, NOW_S + offsetSeconds))).result).toBe(
      'valid',
    );
  });

  it('honours a configured tolerance', () => {
    const header = signTimestamped(body, NEW_SECRET, NOW_S - 90);
    expect(verifySignature('timestamped', input(header, { toleranceMs: 60_000 })).result).toBe('stale');
    expect(verifySignature('timestamped', input(header, { toleranceMs: 120_000 })).result).toBe('valid');
  });

  it('refuses a timestamp changed after signing (the digest covers it)', () => {
    const header = signTimestamped(body, NEW_SECRET, NOW_S - 600).replace(`t=${NOW_S - 600}`, `t=${NOW_S}`);
    expect(verifySignature('timestamped', input(header)).result).toBe('invalid');
  });

  it('refuses a wrong secret as invalid even when the timestamp is also stale', () => {
    expect(verifySignature('timestamped', input(signTimestamped(body, THIRD_SECRET, NOW_S - 3600))).result).toBe(
      'invalid',
    );
  });

  it('refuses a body altered after signing', () => {
    const header = signTimestamped(body, NEW_SECRET, NOW_S);
    expect(
      verifySignature('timestamped', input(header, { body: Buffer.concat([body, Buffer.from(' ')]) })).result,
    ).toBe('invalid');
  });

  it('reports a missing header', () => {
    expect(verifySignature('timestamped', input(undefined))).toEqual({
      result: 'missing',
      reason: 'missing x-arxflow-signature header',
    });
  });

  it.each([
    ['no t', () => signTimestamped(body, NEW_SECRET, NOW_S).replace(/^t=\d+,/, '')],
    ['no v1', () => `t=${NOW_S}`],
    ['two t', () => `t=${NOW_S},${signTimestamped(body, NEW_SECRET, NOW_S)}`],
    ['t not a number', () => signTimestamped(body, NEW_SECRET, NOW_S).replace(/^t=\d+/, 't=soon')],
    ['garbage', () => 'hello'],
  ])('refuses a malformed header: %s', (_label, header) => {
    expect(verifySignature('timestamped', input(header())).result).toBe('invalid');
  });

  it('rotation: either active secret passes, several v1 are allowed, a third secret does not pass', () => {
    const secrets = [NEW_SECRET, OLD_SECRET];
    expect(verifySignature('timestamped', input(signTimestamped(body, OLD_SECRET, NOW_S), { secrets })).result).toBe(
      'valid',
    );
    expect(verifySignature('timestamped', input(signTimestamped(body, NEW_SECRET, NOW_S), { secrets })).result).toBe(
      'valid',
    );
    expect(
      verifySignature('timestamped', input(signTimestamped(body, [THIRD_SECRET, OLD_SECRET], NOW_S), { secrets }))
        .result,
    ).toBe('valid');
    expect(verifySignature('timestamped', input(signTimestamped(body, THIRD_SECRET, NOW_S), { secrets })).result).toBe(
      'invalid',
    );
  });
});

describe('derived delivery ids', () => {
  it('are stable for the same signed request and differ when header or body differ', () => {
    const header = signGithub(body, NEW_SECRET);
    expect(derivedDeliveryId(header, body)).toBe(derivedDeliveryId(header, Buffer.from(body)));
    expect(derivedDeliveryId(header, body)).toMatch(/^[0-9a-f]{64}$/);
    expect(derivedDeliveryId(header, Buffer.from('{}'))).not.toBe(derivedDeliveryId(header, body));
    expect(derivedDeliveryId(signGithub(body, OLD_SECRET), body)).not.toBe(derivedDeliveryId(header, body));
  });
});
