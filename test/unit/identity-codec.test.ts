import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { DefaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, parseEncryptionKeys } from '../../platform/codec/aes-gcm-codec';
import { codecsFor, dataConverterOf, uiIdentityMode } from '../../platform/codec/data-converter';
import {
  IDENTITY_METADATA,
  IdentityStampCodec,
  parseIdentityKeys,
  resolveIdentityKeys,
  STAMP_KEY,
  stampIn,
  stampOf,
  withCallerIdentity,
} from '../../platform/codec/identity-codec';
import { StampLedger, withoutHandedStamps } from '../../workflows/identity-interceptor';
import { cookieValue, principalOfSession, sessionValueOf } from '../../gateway/ui-session';
import { parseSettings } from '../../domain/settings';

const converter = new DefaultPayloadConverter();
const keySpec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const [k1, k2] = [keySpec('k1'), keySpec('k2')];
const vote = { decision: 'approve', comment: 'looks right', actor: 'rita', roles: ['approver', 'signatory'] };

const stamping = (spec: string) => new IdentityStampCodec(parseIdentityKeys(spec), { trustUnstamped: false });
const payloadOf = (value: unknown): Payload => converter.toPayload(value);
const valueOf = (payload: Payload | undefined): unknown => converter.fromPayload(payload!);

/** Runs payloads through Temporal's order: encode with codecs in order, decode in reverse. */
async function roundTrip(
  encoders: IdentityStampCodec | { payloadCodecs: { encode: (p: Payload[]) => Promise<Payload[]> }[] },
  decoders: { payloadCodecs: { decode: (p: Payload[]) => Promise<Payload[]> }[] },
  value: unknown,
) {
  let payloads = [payloadOf(value)];
  const encoding = 'payloadCodecs' in encoders ? encoders.payloadCodecs : [encoders];
  for (const codec of encoding) payloads = await codec.encode(payloads);
  const sent = payloads[0]!;
  for (const codec of [...decoders.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return { sent, received: payloads[0]! };
}

describe('identity stamp codec', () => {
  it('stamps a message that names an actor and leaves it as it was on decode', async () => {
    const codec = stamping(k1);
    const [stamped] = await codec.encode([payloadOf(vote)]);
    expect(stampIn(stamped!)).toMatch(/^k1\.\d{13}\.[A-Za-z0-9_-]{43}$/);
    const [decoded] = await codec.decode([stamped!]);
    expect(valueOf(decoded)).toEqual(vote);
    expect(decoded!.metadata?.[IDENTITY_METADATA]).toBeUndefined(); // never reaches the workflow
  });

  it('leaves payloads without an actor alone (no stamp), and non-JSON payloads too', async () => {
    const codec = stamping(k1);
    for (const value of [{ amount: 125000 }, 'a string', [{ actor: 'in-an-array' }], null, { actor: 7 }]) {
      const [encoded] = await codec.encode([payloadOf(value)]);
      expect(stampIn(encoded!)).toBeUndefined();
      expect(valueOf((await codec.decode([encoded!]))[0])).toEqual(value);
    }
  });

  it('marks an unstamped identity unverified and empties its roles, without a roles field when there was none', async () => {
    const codec = stamping(k1);
    const [received] = await codec.decode([payloadOf(vote)]);
    expect(valueOf(received)).toEqual({ ...vote, actor: 'unverified:rita', roles: [] });
    const [wake] = await codec.decode([payloadOf({ reason: 'now', actor: 'olga' })]);
    expect(valueOf(wake)).toEqual({ reason: 'now', actor: 'unverified:olga' });
  });

  it('refuses forged metadata, a stamp over other roles, a stamp lifted onto another decision, and an unknown key', async () => {
    const codec = stamping(k1);
    const [stamped] = await codec.encode([payloadOf(vote)]);
    const stamp = stampIn(stamped!)!;
    const withStamp = (value: unknown, s: string): Payload => ({
      ...payloadOf(value),
      metadata: { ...payloadOf(value).metadata, [IDENTITY_METADATA]: Buffer.from(s) },
    });
    const cases: [string, Payload][] = [
      ['forged text', withStamp(vote, 'k1.forged')],
      ['no key id', withStamp(vote, stamp.slice(3))],
      ['other roles', withStamp({ ...vote, roles: ['admin'] }, stamp)],
      ['other decision', withStamp({ ...vote, decision: 'reject', reasonCode: 'x' }, stamp)],
      ['stamp of another key', withStamp(vote, stampOf(vote, parseIdentityKeys(k2)[0]!))],
      ['unknown key id', withStamp(vote, stamp.replace(/^k1/, 'k9'))],
      [
        'other time',
        withStamp(
          vote,
          stamp.replace(/^k1\.(\d+)\./, (_m, at: string) => `k1.${Number(at) + 1}.`),
        ),
      ],
      ['old format without time', withStamp(vote, stamp.replace(/^k1\.\d+\./, 'k1.'))],
    ];
    for (const [name, payload] of cases) {
      const [received] = await codec.decode([payload]);
      expect({ name, actor: (valueOf(received) as { actor: string }).actor }).toEqual({
        name,
        actor: 'unverified:rita',
      });
    }
  });

  it('trusts unstamped and badly stamped identities in development mode, still dropping the metadata', async () => {
    const dev = new IdentityStampCodec(parseIdentityKeys(k1), { trustUnstamped: true });
    const forged = {
      ...payloadOf(vote),
      metadata: { ...payloadOf(vote).metadata, [IDENTITY_METADATA]: Buffer.from('k1.forged') },
    };
    const [received] = await dev.decode([forged]);
    expect(valueOf(received)).toEqual(vote);
    expect(received!.metadata?.[IDENTITY_METADATA]).toBeUndefined();
  });

  it('rotates keys: the first signs, every listed key verifies; a dropped key no longer does', async () => {
    const [old] = await stamping(k1).encode([payloadOf(vote)]);
    const rotated = stamping(`${k2},${k1}`);
    expect(valueOf((await rotated.decode([old!]))[0])).toEqual(vote);
    const [fresh] = await rotated.encode([payloadOf(vote)]);
    expect(stampIn(fresh!)).toMatch(/^k2\./);
    expect((valueOf((await stamping(k2).decode([old!]))[0]) as { actor: string }).actor).toBe('unverified:rita');
  });

  it.each([
    ['off', undefined],
    ['on', `enc:${randomBytes(32).toString('base64')}`],
  ])('composes with encryption %s: stamp inside, checked after decryption', async (_label, encryptionKeys) => {
    const settings = parseSettings({
      ARXFLOW_IDENTITY_KEYS: k1,
      ARXFLOW_JWT_SECRET: 'x'.repeat(32),
      ...(encryptionKeys ? { ARXFLOW_ENCRYPTION_KEYS: encryptionKeys } : {}),
    });
    const converter = dataConverterOf(codecsFor(settings));
    const { sent, received } = await roundTrip(converter, converter, vote);
    expect(valueOf(received)).toEqual(vote);
    if (encryptionKeys) {
      expect(Buffer.from(sent.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(sent.metadata![IDENTITY_METADATA]).toBeUndefined(); // sealed inside the ciphertext
      // An encrypted unstamped message (encrypted by someone with only the encryption key) is still unverified.
      const [sealed] = await new AesGcmPayloadCodec(parseEncryptionKeys(encryptionKeys)).encode([payloadOf(vote)]);
      const decoded = await converter.payloadCodecs[1]!.decode([sealed!]);
      expect((valueOf((await converter.payloadCodecs[0]!.decode(decoded))[0]) as { actor: string }).actor).toBe(
        'unverified:rita',
      );
    } else {
      expect(stampIn(sent)).toMatch(/^k1\./);
    }
  });

  it("overwrites a typed identity with the caller's for the codec server, only where the message names one", () => {
    const caller = { subject: 'ana', roles: ['approver'] };
    expect(valueOf(withCallerIdentity(payloadOf({ ...vote, actor: 'rita', roles: ['signatory'] }), caller))).toEqual({
      ...vote,
      actor: 'ana',
      roles: ['approver'],
    });
    expect(valueOf(withCallerIdentity(payloadOf({ decision: 'approve', roles: ['admin'] }), caller))).toEqual({
      decision: 'approve',
      actor: 'ana',
      roles: ['approver'],
    });
    expect(valueOf(withCallerIdentity(payloadOf({ projectId: 'P1' }), caller))).toEqual({ projectId: 'P1' });
    // No `roles` added where there was none: strict schemas (durabilityProbe's wakeUp) refuse unknown keys.
    expect(valueOf(withCallerIdentity(payloadOf({ reason: 'now', actor: 'olga' }), caller))).toEqual({
      reason: 'now',
      actor: 'ana',
    });
  });
});

describe('stamps handed to workflows (replay protection)', () => {
  const workflowContext = { type: 'workflow', namespace: 'default', workflowId: 'w1' } as const;
  const activityContext = { type: 'activity', namespace: 'default', activityId: '1', isLocal: false } as const;

  it("a worker in stamped mode hands a verified stamp's time, MAC and window to workflow payloads only", async () => {
    const codec = stamping(k1);
    const worker = new IdentityStampCodec(parseIdentityKeys(k1), {
      trustUnstamped: false,
      handToWorkflow: true,
      stampWindowMs: 5000,
    });
    const [stamped] = await codec.encode([payloadOf(vote)]);
    const [, at, mac] = stampIn(stamped!)!.split('.');
    expect(valueOf((await worker.decode([stamped!], workflowContext))[0])).toEqual({
      ...vote,
      [STAMP_KEY]: { at: Number(at), id: mac, window: 5000 },
      __origin: 'arxflow',
    });
    expect(valueOf((await worker.decode([stamped!], activityContext))[0])).toEqual(vote); // activity inputs and results
    expect(valueOf((await codec.decode([stamped!], workflowContext))[0])).toEqual(vote); // clients never
    // Trusted mode hands nothing (the interceptor then does nothing).
    const trustedWorker = new IdentityStampCodec(parseIdentityKeys(k1), { trustUnstamped: true, handToWorkflow: true });
    expect(valueOf((await trustedWorker.decode([stamped!], workflowContext))[0])).toEqual(vote);
    expect(codec.forWorker().options).toEqual({ trustUnstamped: false, handToWorkflow: true });
  });

  it('drops a typed __stamp: an unstamped one is unverified without it, a stamped one gets the real stamp', async () => {
    const worker = stamping(k1).forWorker();
    const typed = { ...vote, [STAMP_KEY]: { at: Date.now(), id: 'x', window: 1e12 } };
    expect(valueOf((await worker.decode([payloadOf(typed)], workflowContext))[0])).toEqual({
      ...vote,
      actor: 'unverified:rita',
      roles: [],
      __origin: 'outside',
    });
    const [stamped] = await stamping(k1).encode([payloadOf(typed)]);
    const decoded = valueOf((await worker.decode([stamped!], workflowContext))[0]) as Record<string, { id: string }>;
    expect(decoded[STAMP_KEY]!.id).toBe(stampIn(stamped!)!.split('.')[2]);
  });

  it("the interceptor's judgement: fresh counts once; stale, future and reused stamps make the sender unverified", () => {
    const ledger = new StampLedger();
    const now = 1_000_000_000;
    const stamp = { at: now - 1000, id: 'mac1', window: 10_000 };
    expect(ledger.refusal(stamp, now)).toBeUndefined();
    ledger.use(stamp, now);
    expect(ledger.refusal(stamp, now + 1)).toBe('reused');
    expect(ledger.refusal({ ...stamp, id: 'mac2' }, now)).toBeUndefined();
    expect(ledger.refusal({ ...stamp, id: 'mac2', at: now - 10_001 }, now)).toBe('stale');
    expect(ledger.refusal({ ...stamp, id: 'mac2', at: now + 61_000 }, now)).toBe('future');
    expect(ledger.refusal({ ...stamp, id: 'mac2', at: now + 59_000 }, now)).toBeUndefined();
    expect(ledger.refusal(stamp, now + 10_000)).toBe('stale'); // once stale, forgotten: pruned on the next use
    ledger.use({ ...stamp, id: 'mac3', at: now + 20_000 }, now + 20_000);
    expect(ledger.refusal({ ...stamp, at: now + 20_000 }, now + 20_000)).toBeUndefined();

    const handed = { ...vote, [STAMP_KEY]: stamp };
    expect(withoutHandedStamps([handed, 'x'], () => true)).toEqual([vote, 'x']);
    expect(withoutHandedStamps([handed], () => false)).toEqual([{ ...vote, actor: 'unverified:rita', roles: [] }]);
    expect(withoutHandedStamps([{ reason: 'now', actor: 'olga', [STAMP_KEY]: stamp }], () => false)).toEqual([
      { reason: 'now', actor: 'unverified:olga' },
    ]);
    expect(withoutHandedStamps([{ ...handed, [STAMP_KEY]: 'junk' }], () => true)).toEqual([
      { ...vote, actor: 'unverified:rita', roles: [] },
    ]);
    expect(withoutHandedStamps([handed])).toEqual([vote]); // start input, queries: removed, not judged
  });
});

describe('identity keys and modes', () => {
  it('parses keys like ARXFLOW_ENCRYPTION_KEYS and names what is wrong', () => {
    expect(parseIdentityKeys(`${k1}, ${k2}`).map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(() => parseIdentityKeys('k1:c2hvcnQ=')).toThrow(/ARXFLOW_IDENTITY_KEYS: key k1 must be 32 bytes/);
    expect(() => parseIdentityKeys(`${k1},${k1}`)).toThrow(/listed twice/);
    expect(() => parseIdentityKeys('nokey')).toThrow(/entry 1 must be keyId:base64key/);
  });

  it('generates a development key once in the data dir (0600) and keeps it', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-identity-'));
    try {
      const settings = parseSettings({ ARXFLOW_DATA_DIR: dataDir });
      const first = resolveIdentityKeys(settings);
      expect(first).toHaveLength(1);
      expect(resolveIdentityKeys(settings)[0]!.key.equals(first[0]!.key)).toBe(true);
      expect(statSync(path.join(dataDir, 'identity-key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(dataDir, 'identity-key'), 'utf8')).toMatch(/^dev:/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('trusts the Web UI only with the embedded dev server and no real auth, or when told; never with ARXFLOW_UI_IDENTITY=off', () => {
    expect(uiIdentityMode(parseSettings({}))).toBe('trusted');
    expect(uiIdentityMode(parseSettings({ ARXFLOW_UI_IDENTITY: 'on' }))).toBe('trusted');
    // A worker against a shared Temporal without auth settings of its own fails closed.
    expect(uiIdentityMode(parseSettings({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }))).toBe('stamped');
    expect(
      uiIdentityMode(parseSettings({ TEMPORAL_ADDRESS: 'temporal.internal:7233', ARXFLOW_UI_IDENTITY: 'trusted' })),
    ).toBe('trusted');
    expect(uiIdentityMode(parseSettings({ ARXFLOW_UI_IDENTITY: 'stamped' }))).toBe('stamped');
    expect(() => parseSettings({ ARXFLOW_UI_IDENTITY: 'yes' })).toThrow(/ARXFLOW_UI_IDENTITY/);
    expect(uiIdentityMode(parseSettings({ ARXFLOW_JWT_SECRET: 'x'.repeat(32) }))).toBe('stamped');
    expect(uiIdentityMode(parseSettings({ ARXFLOW_JWKS_URL: 'https://idp.example/jwks' }))).toBe('stamped');
    expect(uiIdentityMode(parseSettings({ ARXFLOW_UI_IDENTITY: 'off' }))).toBe('off');
    const off = codecsFor(parseSettings({ ARXFLOW_UI_IDENTITY: 'off', ARXFLOW_IDENTITY_KEYS: k1 }));
    expect(off.identity.options.trustUnstamped).toBe(false);
    expect(codecsFor(parseSettings({ ARXFLOW_IDENTITY_KEYS: k1 })).identity.options.trustUnstamped).toBe(true);
  });
});

describe('Web UI session value', () => {
  const keys = parseIdentityKeys(`${k2},${k1}`);
  const principal = { subject: 'ana', roles: ['approver'] };

  it('reads back the subject and roles it was made for, until it expires', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const value = sessionValueOf(principal, exp, keys[0]!);
    expect(principalOfSession(value, keys)).toEqual(principal);
    expect(principalOfSession(value, keys, (exp + 1) * 1000)).toBeUndefined();
    expect(
      principalOfSession(cookieValue(`a=b; arxflow_ui_session=${value}; c=d`, 'arxflow_ui_session'), keys),
    ).toEqual(principal);
  });

  it('refuses an edited body, a foreign key and garbage', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const value = sessionValueOf(principal, exp, keys[0]!);
    const [, keyId, mac] = value.split('.');
    const edited = Buffer.from(JSON.stringify({ sub: 'ana', roles: ['admin'], exp })).toString('base64url');
    expect(principalOfSession(`${edited}.${keyId}.${mac}`, keys)).toBeUndefined();
    expect(
      principalOfSession(sessionValueOf(principal, exp, parseIdentityKeys(keySpec('k2'))[0]!), keys),
    ).toBeUndefined();
    expect(principalOfSession('garbage', keys)).toBeUndefined();
    expect(principalOfSession(undefined, keys)).toBeUndefined();
  });
});
