import { ApplicationFailure } from '@temporalio/common';

/** What a failed activity threw, for assertions on its type and retryability (fails the test when it did not fail so). */
export async function activityFailureOf(work: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
