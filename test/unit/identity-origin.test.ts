import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { DefaultPayloadConverter } from '@temporalio/common';
import {
  IdentityStampCodec,
  ORIGIN_KEY,
  ORIGIN_METADATA,
  originIn,
  originOf,
  originVerifies,
  parseIdentityKeys,
  STAMP_KEY,
  stampIn,
} from '../../platform/codec/identity-codec';
import { isUnpreparedStart, originsOf, withoutOrigins } from '../../workflows/identity-interceptor';

const converter = new DefaultPayloadConverter();
const keySpec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const [k1, k2] = [keySpec('k1'), keySpec('k2')];
const draw = {
  projectId: 'P1',
  milestoneId: 'M1',
  requester: 'olga',
  approvals: [{ stage: 'review', approvers: ['rita'] }],
};
const vote = { decision: 'approve', actor: 'rita', roles: ['approver'] };

const codec = (spec: string, trustUnstamped = false) =>
  new IdentityStampCodec(parseIdentityKeys(spec), { trustUnstamped });
const payloadOf = (value: unknown): Payload => converter.toPayload(value);
const valueOf = (payload: Payload | undefined): unknown => converter.fromPayload(payload!);
const workflowContext = { type: 'workflow' as const, namespace: 'default', workflowId: 'funding-gate/P1/M1' };

async function workerDecodes(spec: string, payload: Payload, trustUnstamped = false): Promise<Payload> {
  return (await codec(spec, trustUnstamped).forWorker().decode([payload], workflowContext))[0]!;
}

describe('origin MAC (arxflow-origin)', () => {
  it('a trusted process adds one to every payload it encodes, over the data bytes', async () => {
    const payloads = [payloadOf(draw), payloadOf(vote), payloadOf('text'), payloadOf(undefined), payloadOf([1, 2])];
    const encoded = await codec(k1).encode(payloads);
    for (const [i, p] of encoded.entries()) {
      expect(originIn(p)).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
      expect(originVerifies(originIn(p), p.data, parseIdentityKeys(k1))).toBe(true);
      expect(Buffer.from(p.data ?? []).equals(Buffer.from(payloads[i]!.data ?? []))).toBe(true);
    }
    expect(stampIn(encoded[1]!)).toBeDefined(); // the identity stamp is still there
  });

  it('is refused over other data, with another key, or when mangled', async () => {
    const keys = parseIdentityKeys(k1);
    const [p] = await codec(k1).encode([payloadOf(draw)]);
    const origin = originIn(p!)!;
    const other = Buffer.from(JSON.stringify({ ...draw, requester: 'mallory' }));
    expect(originVerifies(origin, other, keys)).toBe(false);
    expect(originVerifies(origin, p!.data, parseIdentityKeys(k2.replace('k2:', 'k1:')))).toBe(false); // same id, other key
    expect(originVerifies(`${origin}.x`, p!.data, keys)).toBe(false);
    expect(originVerifies(origin.replace('k1.', 'k2.'), p!.data, keys)).toBe(false);
    expect(originVerifies(undefined, p!.data, keys)).toBe(false);
    expect(originVerifies('k1.', p!.data, keys)).toBe(false);
  });

  it('a stamped worker hands "arxflow" for a payload a trusted process encoded and drops the metadata', async () => {
    const [p] = await codec(k1).encode([payloadOf(draw)]);
    const decoded = await workerDecodes(k1, p!);
    expect(decoded.metadata?.[ORIGIN_METADATA]).toBeUndefined();
    expect(valueOf(decoded)).toEqual({ ...draw, [ORIGIN_KEY]: 'arxflow' });
  });

  it('hands "outside" for an unsigned payload, a forged MAC or one moved onto other data', async () => {
    expect(valueOf(await workerDecodes(k1, payloadOf(draw)))).toEqual({ ...draw, [ORIGIN_KEY]: 'outside' });
    const forged = payloadOf(draw);
    forged.metadata![ORIGIN_METADATA] = Buffer.from(
      originOf(forged.data, parseIdentityKeys(k2)[0]!).replace('k2.', 'k1.'),
    );
    expect(valueOf(await workerDecodes(k1, forged))).toEqual({ ...draw, [ORIGIN_KEY]: 'outside' });
    const [signed] = await codec(k1).encode([payloadOf(draw)]);
    const moved = { ...payloadOf({ ...draw, requester: 'mallory' }), metadata: { ...signed!.metadata } };
    expect(valueOf(await workerDecodes(k1, moved))).toEqual({ ...draw, requester: 'mallory', [ORIGIN_KEY]: 'outside' });
  });

  it("drops a typed __origin: the verdict is the worker's, in either mode", async () => {
    const typed = payloadOf({ ...draw, [ORIGIN_KEY]: 'arxflow' });
    expect(valueOf(await workerDecodes(k1, typed))).toEqual({ ...draw, [ORIGIN_KEY]: 'outside' });
    // A trusted process that encodes a typed one: the MAC covers it, the worker still decides.
    const [encoded] = await codec(k1).encode([payloadOf({ ...draw, [ORIGIN_KEY]: 'outside' })]);
    expect(valueOf(await workerDecodes(k1, encoded!))).toEqual({ ...draw, [ORIGIN_KEY]: 'arxflow' });
    // Trusted (development) mode hands nothing but still drops a typed one.
    expect(valueOf(await workerDecodes(k1, typed, true))).toEqual(draw);
    expect(valueOf(await workerDecodes(k1, payloadOf(draw), true))).toEqual(draw);
  });

  it('hands nothing to clients, nor for activity payloads; non-object payloads pass', async () => {
    const [p] = await codec(k1).encode([payloadOf(draw)]);
    const [client] = await codec(k1).decode([p!], workflowContext);
    expect(client!.metadata?.[ORIGIN_METADATA]).toBeUndefined();
    expect(valueOf(client)).toEqual(draw);
    const [activity] = await codec(k1)
      .forWorker()
      .decode([p!], { type: 'activity', namespace: 'default', isLocal: false });
    expect(valueOf(activity)).toEqual(draw);
    const [list] = await codec(k1).encode([payloadOf([draw])]);
    expect(valueOf(await workerDecodes(k1, list!))).toEqual([draw]);
  });

  it('key rotation: a MAC made with an old key verifies while the key is listed', async () => {
    const [old] = await codec(k1).encode([payloadOf(draw)]);
    const rotated = `${k2},${k1}`;
    expect(valueOf(await workerDecodes(rotated, old!))).toEqual({ ...draw, [ORIGIN_KEY]: 'arxflow' });
    const [fresh] = await codec(rotated).encode([payloadOf(draw)]);
    expect(originIn(fresh!)).toMatch(/^k2\./);
    expect(valueOf(await workerDecodes(rotated, fresh!))).toEqual({ ...draw, [ORIGIN_KEY]: 'arxflow' });
    expect(valueOf(await workerDecodes(k2, old!))).toEqual({ ...draw, [ORIGIN_KEY]: 'outside' }); // k1 dropped
  });

  it('a re-encode replaces a sent MAC instead of keeping it', async () => {
    const sent = payloadOf(draw);
    sent.metadata![ORIGIN_METADATA] = Buffer.from('k9.forged');
    const [p] = await codec(k1).encode([sent]);
    expect(originIn(p!)).toMatch(/^k1\./);
  });

  it('a verified stamp and the origin verdict travel together', async () => {
    const [p] = await codec(k1).encode([payloadOf(vote)]);
    const value = valueOf(await workerDecodes(k1, p!)) as Record<string, unknown>;
    expect(value[ORIGIN_KEY]).toBe('arxflow');
    expect(value[STAMP_KEY]).toEqual(expect.objectContaining({ id: expect.any(String) }));
  });
});

describe('origin verdicts in the workflow interceptor', () => {
  it('strips __origin from every object argument', () => {
    expect(withoutOrigins([{ ...draw, [ORIGIN_KEY]: 'outside' }, 'x', null, [1]])).toEqual([draw, 'x', null, [1]]);
    expect(originsOf([{ ...draw, [ORIGIN_KEY]: 'outside' }, { a: 1, [ORIGIN_KEY]: 'arxflow' }, 3])).toEqual([
      'outside',
      'arxflow',
    ]);
  });

  it('refuses an outside start only of a type whose input arxflow prepares', () => {
    for (const type of ['fundingGate', 'fundingDeposit', 'complianceReview']) {
      expect(isUnpreparedStart(type, ['outside'])).toBe(true);
      expect(isUnpreparedStart(type, ['arxflow'])).toBe(false);
      expect(isUnpreparedStart(type, [])).toBe(false); // trusted mode: nothing handed
    }
    expect(isUnpreparedStart('durabilityProbe', ['outside'])).toBe(false);
    expect(isUnpreparedStart('fundingGate', ['arxflow', 'outside'])).toBe(true);
  });
});
