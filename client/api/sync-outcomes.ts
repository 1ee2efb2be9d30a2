import type { CommitOutcome } from '../../domain/sync/sync-types';
import { ApiError } from './errors';

type Refused = Exclude<CommitOutcome, { outcome: 'committed' }>;
type Conflict = Extract<CommitOutcome, { outcome: 'conflict' }>;
type Denied = Extract<CommitOutcome, { outcome: 'denied' }>;

/*
 * The one wording of a refused change, for the gateway's 409/422 bodies, the CLI's message
 * (exit 1) and the HTTP adapter, which reads the outcome back from such a body's message. One
 * item per line (`  - ...`), so paths and reasons may hold commas and semicolons.
 */

/** `conflict: plan-7 is at head <id>, ...` then one line per path both sides changed. */
export function conflictMessage(outcome: Conflict): string {
  return [
    `conflict: ${outcome.documentId} is at head ${outcome.head}, and the commits since your parent changed what you changed; ` +
      'nothing was committed: rebase your edit on that head and commit again. Paths both sides changed:',
    ...outcome.paths.map((path) => `  - ${path}`),
  ].join('\n');
}

/** `denied: ...` then one line per reason. */
export function deniedMessage(outcome: Denied): string {
  return [
    `denied: a validation hook refused the change to ${outcome.documentId}; nothing was committed. Reasons:`,
    ...outcome.reasons.map((reason) => `  - ${reason.replace(/\n/g, ' ')}`),
  ].join('\n');
}

export function refusalMessage(outcome: Refused): string {
  return outcome.outcome === 'conflict' ? conflictMessage(outcome) : deniedMessage(outcome);
}

/** The gateway's 409 / 422 body: the shared error shape plus the outcome's fields. */
export function refusalBody(outcome: Refused) {
  const message = refusalMessage(outcome);
  return outcome.outcome === 'conflict'
    ? { error: 'conflict' as const, message, documentId: outcome.documentId, head: outcome.head, paths: outcome.paths }
    : {
        error: 'denied' as const,
        message,
        documentId: outcome.documentId,
        reasons: outcome.reasons,
        verdicts: outcome.verdicts,
      };
}

/**
 * A 409 `conflict` or 422 `denied` of the gateway back as its outcome (GatewayClient keeps only
 * the message of an error body: the fields are read from the message's lines); else undefined.
 */
export function refusalOf(err: unknown, documentId: string): Refused | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const items = err.message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
  if (err.status === 409 && err.code === 'conflict') {
    const head = /is at head ([0-9a-f]{64})/.exec(err.message)?.[1] ?? '';
    return { outcome: 'conflict', documentId, head, paths: items };
  }
  if (err.status === 422 && err.code === 'denied') {
    return { outcome: 'denied', documentId, reasons: items, verdicts: [] };
  }
  return undefined;
}
