import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { InputError, parseInput } from '../../domain/validation';

/**
 * A workflow's start input, parsed with the same schema the gateway and CLI use. A refused
 * input fails the run at once (non-retryable `InvalidInput`, each refused field in the
 * failure's details): retrying a workflow task cannot fix its input.
 */
export function parseWorkflowInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    return parseInput(schema, input, what);
  } catch (err) {
    throw invalidInput(err);
  }
}

/** An InputError (bad input, or a rule the input breaks) as the run's non-retryable failure; anything else as is. */
export function invalidInput(err: unknown): unknown {
  return err instanceof InputError ? ApplicationFailure.nonRetryable(err.message, 'InvalidInput', err.issues) : err;
}
