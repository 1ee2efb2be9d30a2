import v8 from 'node:v8';

/**
 * Limits the V8 heap (old generation) of the workflow threads this process starts from now
 * on: V8 reads its flags when it creates an isolate, so the SDK's workflow threads, created
 * with the Worker after this call, take the limit, and the main thread (activities, the
 * gateway under `npm start`, PGlite) keeps its own. Call it before creating the Worker, in a
 * process that runs one worker (workers/main.ts, scripts/service.ts): the flag is process-wide.
 */
export function limitWorkflowThreadHeap(maxOldSpaceMiB: number): void {
  if (!(Number.isSafeInteger(maxOldSpaceMiB) && maxOldSpaceMiB > 0))
    throw new RangeError(`workflow thread heap limit must be a positive whole number of MiB, got ${maxOldSpaceMiB}`);
  v8.setFlagsFromString(`--max-old-space-size=${maxOldSpaceMiB}`);
}
