/**
 * Workflow time: Date.now() inside a workflow is the time of the current workflow task,
 * recorded in history, so it is the same on every replay. Every workflow reads the clock
 * through this one function so that "now" means one thing.
 */
export const now = (): number => Date.now();

/** Workflow time as an ISO 8601 string. */
export const nowIso = (): string => new Date(now()).toISOString();
