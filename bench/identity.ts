// `npm run bench -- identity`: what the identity stamp codec adds to every payload a trusted
// process sends and a worker receives, against the SDK's plain JSON conversion of the same
// message in the same run (and with AES-GCM encryption on, against encryption alone).
// Prints a table and writes bench/results/identity.json.
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { codecsFor } from '../platform/codec/data-converter';
import { parseSettings } from '../domain/settings';
import { writeResults } from './results';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);

/** A Web UI / gateway approval, and an activity input without an identity (the codec looks and passes it on). */
const vote = {
  decision: 'approve',
  actor: 'rita',
  roles: ['approver', 'signatory'],
  approvedAmounts: { L1: 1_500_000 },
  comment: 'site visit ok',
};
const activityInput = {
  workflowId: 'funding-gate/TOWER1/M3',
  releaseNumber: 1,
  projectId: 'TOWER1',
  payeeId: 'acme-builders',
  currency: 'USD',
  releasedNow: 2_250_000,
};

async function microsPerRound(codecs: PayloadCodec[], worker: PayloadCodec[], message: unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    let payloads: Payload[] = [defaultPayloadConverter.toPayload(message)];
    for (const codec of codecs) payloads = await codec.encode(payloads);
    for (const codec of [...worker].reverse()) payloads = await codec.decode(payloads);
    defaultPayloadConverter.fromPayload(payloads[0]!);
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / ROUNDS;
}

export async function benchIdentity(): Promise<void> {
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  const stamped = codecsFor(parseSettings({ ARXFLOW_IDENTITY_KEYS: keys, ARXFLOW_UI_IDENTITY: 'stamped' }));
  const encrypted = codecsFor(
    parseSettings({ ARXFLOW_IDENTITY_KEYS: keys, ARXFLOW_UI_IDENTITY: 'stamped', ARXFLOW_ENCRYPTION_KEYS: keys }),
  );
  const rows = [];
  for (const [label, message] of [
    ['vote (actor, roles)', vote],
    ['activity input (no actor)', activityInput],
  ] as const) {
    const baseline = await microsPerRound([], [], message);
    const stamp = await microsPerRound([stamped.identity], [stamped.identity.forWorker()], message);
    const aes = await microsPerRound([encrypted.encryption!], [encrypted.encryption!], message);
    const both = await microsPerRound(
      [encrypted.identity, encrypted.encryption!],
      [encrypted.identity.forWorker(), encrypted.encryption!],
      message,
    );
    rows.push(
      { message: label, path: 'JSON convert (baseline)', microsPerMessage: baseline, vsBaseline: 1 },
      { message: label, path: 'stamp + verify', microsPerMessage: stamp, vsBaseline: stamp / baseline },
      { message: label, path: 'AES-GCM (baseline 2)', microsPerMessage: aes, vsBaseline: aes / baseline },
      { message: label, path: 'stamp + AES-GCM', microsPerMessage: both, vsBaseline: both / baseline },
    );
  }
  console.table(
    rows.map((r) => ({
      ...r,
      microsPerMessage: r.microsPerMessage.toFixed(1),
      vsBaseline: `${r.vsBaseline.toFixed(1)}x`,
    })),
  );
  writeResults('identity', { rounds: ROUNDS, rows });
}
