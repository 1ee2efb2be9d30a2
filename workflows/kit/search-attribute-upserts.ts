import type { SearchAttributePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

/**
 * Upserts only the pairs the run does not hold already (from its start, or an earlier
 * upsert): each upsert is a history event and a visibility write on the server. Nothing
 * when all are held.
 */
export function upsertChangedSearchAttributes(pairs: SearchAttributePair[]): void {
  const held = workflowInfo().typedSearchAttributes;
  // JSON compares keyword lists and instants by value as well as keywords and numbers.
  const changed = pairs.filter((pair) => JSON.stringify(held.get(pair.key)) !== JSON.stringify(pair.value));
  if (changed.length > 0) upsertSearchAttributes(changed);
}
