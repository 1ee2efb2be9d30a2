import type { BlobStore } from '../../db/blob-store';
import type { PayloadRef } from '../../domain/compliance/payload-ref';
import type { Submission } from '../../domain/compliance/review-types';
import { isRecord } from '../../domain/plain-data';
import type { JsonValue } from '../../domain/sync/sync-types';
import { badInput } from './errors';

/*
 * Plans go to a review by reference: the client stores the plan in the store keyed by the
 * sha256 of its canonical JSON (db/blob-store.ts) and the workflow carries {sha256, bytes}.
 * Temporal refuses a payload over 2 MiB; a plan of 100,000 spaces is about 23 MB.
 */

/** Stores a plan document and returns its reference; 400 naming `plan` when it is not one. */
export async function storePlan(blobs: BlobStore, plan: unknown): Promise<PayloadRef> {
  if (!isRecord(plan)) {
    const message = 'must be a plan document (docs/plan-format.md), a JSON object';
    throw badInput(`plan: ${message}`, [{ path: 'plan', message }]);
  }
  return blobs.put(plan as JsonValue);
}

/**
 * The submission as the workflow gets it: an inline plan stored and replaced by its reference;
 * a reference checked to name a stored plan of this application (400 naming `planRef` else),
 * so nothing starts on a reference the check activity could not load.
 */
export async function submissionByReference(
  blobs: BlobStore,
  planId: string,
  submission: Submission,
  field = 'submission',
): Promise<Submission> {
  const { plan, planRef, ...rest } = submission;
  if (plan !== undefined) return { ...rest, planRef: await storePlan(blobs, plan) };
  const stored = planRef && (await blobs.find(planRef));
  if (!planRef || stored === undefined) {
    const message = `no stored plan ${planRef?.sha256 ?? ''}: store it first (POST /v1/compliance/plans, arxflow compliance store-plan)`;
    throw badInput(`${field}.planRef: ${message}`, [{ path: `${field}.planRef`, message }]);
  }
  if (isRecord(stored) && stored.planId !== planId) {
    const message = `names plan ${JSON.stringify(stored.planId)}, not ${planId}`;
    throw badInput(`${field}.planRef: ${message}`, [{ path: `${field}.planRef`, message }]);
  }
  return { ...rest, planRef };
}
