import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Verification } from '../../platform/webhook-signatures';

/** Slack's request signing (v0): HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret. */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack's advice: refuse requests more than five minutes old (replays). */
export const SLACK_TOLERANCE_MS = 5 * 60_000;

export interface SlackSignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  body: Buffer;
  signingSecret: string;
  nowMs: number;
}

export function verifySlackSignature(request: SlackSignedRequest): Verification {
  const { signature, timestamp } = request;
  if (!signature || !timestamp)
    return {
      result: 'missing',
      reason: `missing ${!signature ? SLACK_SIGNATURE_HEADER : SLACK_TIMESTAMP_HEADER} header`,
    };
  if (!/^\d{1,12}$/.test(timestamp))
    return { result: 'invalid', reason: `${SLACK_TIMESTAMP_HEADER} must be Unix seconds` };
  if (Math.abs(request.nowMs - Number(timestamp) * 1000) > SLACK_TOLERANCE_MS) {
    return { result: 'stale', reason: `${SLACK_TIMESTAMP_HEADER} is more than 5 minutes away from now` };
  }
  const expected = `v0=${createHmac('sha256', request.signingSecret).update(`v0:${timestamp}:`).update(request.body).digest('hex')}`;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  const matches = given.length === wanted.length && timingSafeEqual(given, wanted);
  return matches
    ? { result: 'valid', reason: 'signature matches' }
    : { result: 'invalid', reason: 'signature does not match' };
}

/** Signs like Slack does: for tests and the local Slack stand-in. */
export function slackSignature(signingSecret: string, timestamp: string, body: string | Buffer): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}
