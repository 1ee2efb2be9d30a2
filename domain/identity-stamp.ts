/**
 * What a worker in stamped mode hands to a workflow with each verified identity stamp
 * (client/codec/identity-codec.ts decodes, workflows/identity-interceptor.ts judges). Shared by
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
  return Number.isFinite(at) && typeof id === 'string' && id.length > 0 && Number.isFinite(window) && (window as number) > 0;
}
