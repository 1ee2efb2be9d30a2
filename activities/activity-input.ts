import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { InputError, parseInput } from '../domain/validation';

/**
 * An activity's input parsed with its schema. A refused input fails the activity for good
 * (non-retryable `InvalidInput`, each refused field in the details): a retry would be refused
 * the same way, and the workflow decides what a refusal means.
 */
export function parseActivityInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    return parseInput(schema, input, what);
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput', err.issues);
    throw err;
  }
}
