import { InputError } from '../../domain/validation';

/** The InputError `run` throws (its message and issues are what the tests look at); fails the test when it throws none. */
export function inputErrorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}
