import type { FieldIssue } from '../validation';
import { MAX_DEDUP_KEY_LENGTH, PAGERDUTY_ID, alertWorkflowId, isSafeDedupKey, pagerdutyKeyTail } from './dedup';
import type { AlertSource } from './types';

/**
 * How an operator names an alert: by its alert id (`pd-eb0de251-db-disk`, the tail of the
 * workflow id `alert/<id>`), by the workflow id itself, or by the key its sender gave it
 * (PagerDuty's `dedup_key`, Alertmanager's fingerprint). The alert id is what arxflow made
 * of the sender's key (dedup.ts: a source prefix, and for PagerDuty a digest of the routing
 * key), so the sender's key alone may name alerts of several integrations or sources. These
 * are the rules for choosing; client/api/alert-keys.ts asks Temporal for the candidates.
 */

export const WORKFLOW_ID_PREFIX = 'alert/';

export interface AlertReference {
  /** As typed (without a leading `alert/`). */
  given: string;
  /** Set when `given` could be an alert id: the workflow to look up first. */
  workflowId?: string;
}

/** Alertmanager's fingerprints (and ours, labelsFingerprint) are 16 hex digits. */
const FINGERPRINT = /^[0-9a-f]{16}$/;

/**
 * Checks what an operator typed. A sender's key may hold any printable characters
 * (PagerDuty allows them), so only empty, over-long or control-character input is refused.
 */
export function parseAlertReference(text: string): AlertReference | { issue: FieldIssue } {
  const given = text.startsWith(WORKFLOW_ID_PREFIX) ? text.slice(WORKFLOW_ID_PREFIX.length) : text;
  const refuse = (message: string) => ({ issue: { path: 'alert', message } });
  if (given.length === 0) return refuse('required: an alert id or the dedup key its sender gave');
  if (given.length > MAX_DEDUP_KEY_LENGTH) return refuse(`at most ${MAX_DEDUP_KEY_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(given)) return refuse('must not contain control characters');
  return { given, ...(isSafeDedupKey(given) ? { workflowId: alertWorkflowId(given) } : {}) };
}

/** Whether the alert of `workflowId` can be named by `senderKey` from its id alone (PagerDuty's dedup_key). */
export function idMatchesSenderKey(workflowId: string, senderKey: string): boolean {
  const tail = PAGERDUTY_ID.exec(workflowId.slice(WORKFLOW_ID_PREFIX.length))?.[1];
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) && tail !== undefined && tail === pagerdutyKeyTail(senderKey);
}

/**
 * Whether alerts of this id need their status read to know their sender's key: Alertmanager
 * alert ids are a digest of group and fingerprint, so only the alert itself knows its
 * fingerprint. Asked only when the key looks like a fingerprint, so a lookup by a PagerDuty
 * key never reads every Alertmanager alert.
 */
export function needsSenderKeyOf(workflowId: string, senderKey: string): boolean {
  return workflowId.startsWith(`${WORKFLOW_ID_PREFIX}am-`) && FINGERPRINT.test(senderKey);
}

/** The source an alert id was made for, from its prefix (dedup.ts). */
export function sourceOfAlertId(workflowId: string): AlertSource | undefined {
  const id = workflowId.slice(WORKFLOW_ID_PREFIX.length);
  if (PAGERDUTY_ID.test(id)) return 'pagerduty';
  if (id.startsWith('am-')) return 'alertmanager';
  if (id.startsWith('metric-')) return 'metrics';
  return undefined;
}

export interface AlertCandidate {
  workflowId: string;
  /** Temporal's execution status of its latest run (RUNNING, COMPLETED, ...). */
  status?: string;
}

export type AlertChoice =
  | { kind: 'found'; workflowId: string }
  | { kind: 'missing'; message: string }
  | { kind: 'ambiguous'; message: string; workflowIds: string[] };

/**
 * One alert, or why not. Several matches are refused, never guessed: acknowledging the
 * wrong integration's alert would silence a page someone still needs.
 */
export function chooseAlert(reference: AlertReference, candidates: readonly AlertCandidate[]): AlertChoice {
  const ids = [...new Set(candidates.map((c) => c.workflowId))].sort();
  if (ids.length === 1) return { kind: 'found', workflowId: ids[0]! };
  if (ids.length === 0) {
    const asId = reference.workflowId ? `neither an alert id (no workflow ${reference.workflowId}) nor` : 'not';
    return {
      kind: 'missing',
      message:
        `no alert "${reference.given}": it is ${asId} the dedup key a sender gave to any alert ` +
        '(PagerDuty dedup_key, Alertmanager fingerprint). `arxflow alerts list --status all` shows both forms; ' +
        "an alert raised a moment ago may take a second to be found by its sender's key.",
    };
  }
  const described = ids.map((id) => {
    const c = candidates.find((candidate) => candidate.workflowId === id);
    const detail = [sourceOfAlertId(id), c?.status?.toLowerCase()].filter(Boolean).join(', ');
    return `${id.slice(WORKFLOW_ID_PREFIX.length)}${detail ? ` (${detail})` : ''}`;
  });
  return {
    kind: 'ambiguous',
    message: `the dedup key "${reference.given}" names ${ids.length} alerts: ${described.join(', ')}; give the alert id instead`,
    workflowIds: ids,
  };
}
