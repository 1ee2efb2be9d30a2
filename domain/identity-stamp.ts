/**
 * What a worker in stamped mode hands to a workflow with each verified identity stamp
 * (platform/codec/identity-codec.ts decodes, workflows/identity-interceptor.ts judges). Shared by
 * both sides, so free of Node modules: the workflow bundle imports it.
 */

/**
 * How an identity the worker could not vouch for is delivered: `unverified:<typed>` with no
 * roles. Workflows refuse every message from such an actor (refusalOfUnverified) and record it.
 */
export const UNVERIFIED_PREFIX = 'unverified:';

export function refusalOfUnverified(actor: string): string | undefined {
  if (!actor.startsWith(UNVERIFIED_PREFIX)) return undefined;
  return `${actor.slice(UNVERIFIED_PREFIX.length)}: identity not verified (no valid stamp from the gateway or the codec server); nothing was done`;
}

/** The reserved key of a decoded message that carries its stamp; one typed by a sender is always dropped. */
export const STAMP_KEY = '__stamp';

/** How long a stamp counts in a workflow after it was made (against workflow time), by default. */
export const DEFAULT_STAMP_WINDOW_MS = 10 * 60 * 1000;

/** How far in the future (against workflow time) a stamp may be: clock skew between hosts. */
export const STAMP_FUTURE_SKEW_MS = 60 * 1000;

export interface HandedStamp {
  /** When the stamp was made (stampedAt, epoch ms). */
  at: number;
  /** The stamp's MAC: one stamp counts once per workflow. */
  id: string;
  /** How long after `at` the stamp counts (ms): the worker's setting, handed with it. */
  window: number;
}

export function isHandedStamp(value: unknown): value is HandedStamp {
  if (value === null || typeof value !== 'object') return false;
  const { at, id, window } = value as Record<string, unknown>;
  return (
    Number.isFinite(at) && typeof id === 'string' && id.length > 0 && Number.isFinite(window) && (window as number) > 0
  );
}

/**
 * The reserved key of a decoded workflow payload that carries its origin verdict: a worker in
 * stamped mode hands `'arxflow'` when a trusted arxflow process encoded the payload (its
 * origin MAC verified), else `'outside'` (e.g. the Temporal Web UI's "Start Workflow" form, or
 * any client without arxflow's keys; the codec server never vouches for origin). One typed by
 * a sender is always dropped. The identity interceptor removes it before any handler sees it.
 */
export const ORIGIN_KEY = '__origin';

export type OriginVerdict = 'arxflow' | 'outside';

/**
 * Workflow types whose start input arxflow prepares on the server (client/api/registry.ts
 * `prepare`: requester, approvals, ... from the token and the store). In stamped mode a start of
 * one of these with an input that did not come from arxflow fails at once (UnpreparedInput).
 */
export const SERVER_PREPARED_WORKFLOW_TYPES: readonly string[] = ['fundingGate', 'fundingDeposit', 'complianceReview'];

/** The failure message of a start whose input arxflow did not prepare. */
export function unpreparedInputMessage(workflowType: string): string {
  return `${workflowType} input was not prepared by arxflow (start it through the gateway or the arxflow CLI)`;
}

export const UNPREPARED_INPUT_FAILURE = 'UnpreparedInput';
