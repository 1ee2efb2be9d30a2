import { pushCapped } from '../plain-data';

/*
 * Refused messages from people, kept for the status: shared by the condition book, the
 * approval ledger and the gate.
 */

/** Refused messages kept per book/ledger/gate: a spamming caller cannot grow the state (and the continue-as-new payload) without bound. */
export const MAX_REFUSED_KEPT = 200;

/** A refused message as the status shows it: who, when, what kind, why (never the whole payload). */
export interface RefusedMessage {
  actor?: string;
  at?: string;
  kind?: string;
  reason: string;
}

/** Keeps what identifies a refused message (never the whole payload), truncated. `kindField` names the field shown as `kind`. */
export function refusedMessage(message: unknown, reason: string, kindField: string): RefusedMessage {
  const record = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined);
  const refused: RefusedMessage = { reason };
  const actor = text(record.actor);
  const at = text(record.at);
  const kind = text(record[kindField]);
  if (actor !== undefined) refused.actor = actor;
  if (at !== undefined) refused.at = at;
  if (kind !== undefined) refused.kind = kind;
  return refused;
}

/** Keeps a refused message in a capped list (oldest dropped): the one way the funding state keeps refusals. Returns how many it dropped. */
export function keepRefused<T extends RefusedMessage>(list: T[], refused: T): number {
  const before = list.length;
  pushCapped(list, refused, MAX_REFUSED_KEPT);
  return before + 1 - list.length;
}
