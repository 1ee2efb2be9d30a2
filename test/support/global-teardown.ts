import { removePgliteCopies } from './pglite-template';

/** Removes this run's copies of the PGlite template (a store a test left open included). */
export default function globalTeardown(): void {
  removePgliteCopies();
}
