import { ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import { InputError, parseInput } from '../../domain/validation';

/**
 * A workflow's start input, parsed with the same schema the gateway and CLI use. A refused
 * input fails the run at once (non-retryable `InvalidInput`, each refused field in the
 * failure's details): retrying a workflow task cannot fix its input. Carried state is the
 * workflow's own (refuseCarriedOnStart).
 */
export function parseWorkflowInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  let parsed: z.output<S>;
  try {
    parsed = parseInput(schema, input, what);
  } catch (err) {
    throw invalidInput(err);
  }
  if (typeof parsed === 'object' && parsed !== null)
    refuseCarriedOnStart((parsed as { carried?: unknown }).carried, what);
  return parsed;
}

/** Marks runs that check where carried state came from (histories recorded before it started runs with it). */
const CARRIED_FROM_CONTINUE_ONLY = 'carried-state-from-continue-as-new-only';

/**
 * Carried state (what a run hands the next when it continues as new: a gate's approvals, an
 * alert's acknowledgement) is trusted as the workflow's own, so only a run continued as new
 * may have it. A start that brings one, from a client or anywhere else, fails as InvalidInput:
 * otherwise anyone able to start a funding gate could start it with its approvals given.
 * The patch: recorded histories of runs started with carried state still replay.
 */
export function refuseCarriedOnStart(carried: unknown, what: string): void {
  if (carried === undefined || workflowInfo().continuedFromExecutionRunId !== undefined) return;
  if (!patched(CARRIED_FROM_CONTINUE_ONLY)) return;
  const message = 'only a run continued as new carries state; a start cannot bring one';
  throw invalidInput(new InputError(`${what}: carried: ${message}`, [{ path: 'carried', message }]));
}

/** An InputError (bad input, or a rule the input breaks) as the run's non-retryable failure; anything else as is. */
export function invalidInput(err: unknown): unknown {
  return err instanceof InputError ? ApplicationFailure.nonRetryable(err.message, 'InvalidInput', err.issues) : err;
}
