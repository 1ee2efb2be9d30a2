import * as zod from 'zod';

/**
 * Preloaded by the workflow bundle (workers/bundle.ts): this module and the libraries it
 * names are evaluated once per worker and shared by every workflow, where the bundle's
 * other modules are evaluated once per workflow. Only stateless libraries belong here.
 * Naming the namespace keeps webpack from dropping the import (zod declares no side effects).
 */
export const sharedLibraries = { zod };
