/**
 * A value stored in the store's content-addressed payloads (db/blob-store.ts, migration 019)
 * instead of travelling in a workflow's input, messages or activity results: Temporal
 * refuses a payload over its blob size limit (2 MiB by default), and a plan of 100,000
 * spaces is about 15 MB. `sha256` is the hash of the value's canonical JSON (the data sync
 * content hash), so a reference names exactly one value.
 */
export interface PayloadRef {
  sha256: string;
  /** UTF-8 bytes of the canonical JSON: shown to people, and what the edge bounded. */
  bytes: number;
}

/**
 * The largest plan a start body or resubmission may carry inline (canonical JSON bytes).
 * Larger plans go by reference. Below Temporal's 512 KiB payload warning, so an inline plan
 * (old clients, the Temporal client directly) leaves room for the rest of the input.
 */
export const PLAN_INLINE_MAX_BYTES = 256 * 1024;

/** The most plans a store accepts in one piece (the plan upload's body limit). */
export const PLAN_STORED_MAX_BYTES = 64 * 1024 * 1024;
