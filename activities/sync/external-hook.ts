import type { SigningHook } from '../../db/sync-store';
import type { HookRequestBody, HookVerdict } from '../../domain/sync/sync-types';
import { DELIVERY_HEADER, SIGNATURE_HEADER } from '../../platform/webhook-signatures';

/** An answer larger than this is not a HookAnswer (it would only be read to be refused). */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_REASONS = 20;
const MAX_REASON_CHARS = 500;

/**
 * Asks one external hook: POSTs the request body signed with the hook's secret
 * (`x-arxflow-signature: t=<unix>,v1=<hex>`, the timestamped webhook scheme) and reads a
 * HookAnswer `{allow: boolean, reasons?: string[]}` from a 2xx answer. Anything else is a deny
 * that names the hook and what went wrong (no answer in time, refused connection, a non-2xx
 * status, a redirect, an answer that is not a HookAnswer): a hook that cannot say yes says no.
 */
export async function askExternalHook(
  hook: SigningHook,
  body: HookRequestBody,
  options: { fetchImpl: typeof fetch; signal: AbortSignal; deliveryId: string; nowMs?: number },
): Promise<HookVerdict> {
  const deny = (reason: string): HookVerdict => ({ hook: hook.hookId, allowed: false, reasons: [reason] });
  const payload = JSON.stringify(body);
  const timeout = AbortSignal.timeout(hook.timeoutMs);
  let text: string;
  let status: number;
  try {
    const response = await options.fetchImpl(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER.timestamped]: hook.sign(payload, (options.nowMs ?? Date.now()) / 1000),
        [DELIVERY_HEADER.timestamped]: options.deliveryId,
      },
      body: payload,
      // A signed request goes where it was configured to go, or nowhere.
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, timeout]),
    });
    status = response.status;
    text = await readCapped(response);
  } catch (err) {
    if (timeout.aborted) return deny(`hook ${hook.hookId} did not answer within ${hook.timeoutMs} ms`);
    if (options.signal.aborted) throw err;
    return deny(`hook ${hook.hookId} could not be reached: ${causeOf(err)}`);
  }
  if (status < 200 || status > 299) return deny(`hook ${hook.hookId} answered HTTP ${status}`);
  const answer = hookAnswerOf(text);
  if (!answer) {
    return deny(`hook ${hook.hookId} answered something that is not {"allow": true|false, "reasons": [text...]}`);
  }
  if (answer.allow) return { hook: hook.hookId, allowed: true, reasons: answer.reasons };
  return {
    hook: hook.hookId,
    allowed: false,
    reasons: answer.reasons.length > 0 ? answer.reasons : [`hook ${hook.hookId} denied the change (no reason given)`],
  };
}

function hookAnswerOf(text: string): { allow: boolean; reasons: string[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { allow, reasons } = value as { allow?: unknown; reasons?: unknown };
  if (typeof allow !== 'boolean') return undefined;
  if (reasons === undefined) return { allow, reasons: [] };
  if (!Array.isArray(reasons) || !reasons.every((reason) => typeof reason === 'string')) return undefined;
  return {
    allow,
    reasons: (reasons as string[]).slice(0, MAX_REASONS).map((reason) => reason.slice(0, MAX_REASON_CHARS)),
  };
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return '';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch wraps the network error (ECONNREFUSED, ...) in a TypeError('fetch failed'). */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
