import { ApplicationFailure } from '@temporalio/activity';
import { SyncStoreError } from '../../db/sync-store';

/**
 * A change the sync activities refuse for good (a parent outside the history, content not
 * staged, over the limit or failing the kind's schema): a retry would be refused the same way,
 * and the workflow answers the writer with the message.
 */
export function syncInputError(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'SyncInputError', ...(details === undefined ? [] : [details]));
}

/** Another writer moved head between prepare and write: final, the workflow decides (never a silent overwrite). */
export function headMovedError(documentId: string, expected: string | null, head: string | undefined) {
  return ApplicationFailure.nonRetryable(
    `document ${documentId}: head is ${head ?? '(none)'}, not the expected ${expected ?? '(none)'}`,
    'SyncHeadMoved',
    { head: head ?? null },
  );
}

/** Runs `work`, turning the store's refusals (SyncStoreError) into SyncInputError. */
export async function refusalsAsInputErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SyncStoreError) throw syncInputError(err.message);
    throw err;
  }
}
