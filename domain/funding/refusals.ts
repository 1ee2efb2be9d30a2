import type { RefusedVote } from './approvals';
import type { RefusedMessage } from './refused-messages';

/** Refusals shown at the top of a gate's status: enough to see at a glance what did not count. */
export const MAX_REFUSALS_SHOWN = 20;

/**
 * One refused message at the top of the status: who sent it, what it was, why it was
 * refused, when. The Web UI can only signal, and a signal cannot answer: its sender sees
 * the same "signaled" for a message that counted and one the gate refused, so the refusal
 * has to be the first thing the status shows.
 */
export interface GateRefusal {
  /** When the gate refused it (workflow time, UTC ISO). */
  at?: string;
  /** Who sent it (the identity the message carried). */
  actor?: string;
  /** The message: decide, submitEvidence, waiveCondition, resubmit, hold, resume, reverse, setupChanged. */
  message: string;
  /** What it asked for: the vote's decision and stage, the evidence's kind, ... */
  detail?: string;
  /** Why the gate refused it. */
  reason: string;
}

/**
 * Every refused message of a gate, newest first, at most MAX_REFUSALS_SHOWN: votes (kept by
 * the approval ledger), evidence (kept by the condition book) and the other messages (kept by
 * the gate, `kind` naming the message). The full lists stay in their sections of the status.
 */
export function gateRefusals(kept: {
  votes: readonly RefusedVote[];
  evidence: readonly RefusedMessage[];
  others: readonly RefusedMessage[];
}): GateRefusal[] {
  const newestFirst = <T>(list: readonly T[]) => [...list].reverse();
  const all: GateRefusal[] = [
    ...newestFirst(kept.votes).map((vote) =>
      refusal('decide', vote, [vote.kind, vote.stage && `stage ${vote.stage}`].filter(Boolean).join(', ')),
    ),
    ...newestFirst(kept.evidence).map((evidence) => refusal('submitEvidence', evidence, evidence.kind)),
    ...newestFirst(kept.others).map((other) => refusal(other.kind ?? 'message', other)),
  ];
  // Each list is kept in arrival order; merged by time, newest first (workflow times are ISO
  // strings of one format, so they sort as text; the sort is stable for refusals of one instant).
  return all.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? '')).slice(0, MAX_REFUSALS_SHOWN);
}

function refusal(message: string, kept: RefusedMessage, detail?: string): GateRefusal {
  return {
    ...(kept.at === undefined ? {} : { at: kept.at }),
    ...(kept.actor === undefined ? {} : { actor: kept.actor }),
    message,
    ...(detail ? { detail } : {}),
    reason: kept.reason,
  };
}
