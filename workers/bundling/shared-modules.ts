// Runs inside the workflow sandbox: the one place where modules of the bundle are evaluated
// once per V8 context instead of once per workflow (workers/bundle.ts says which and why).
//
// The SDK preloads this module (`preloadModules`) before any workflow exists, so every
// workflow sees this same instance; it deep-freezes what a preloaded module exports (this
// function), but not the map below, which nothing outside this closure can reach.
const evaluated = new Map<string, unknown>();

/**
 * The exports of the module `key`, evaluated by `evaluate` the first time any workflow of
 * this V8 context asks and handed to every later one. A module that throws is not kept:
 * the next workflow that needs it evaluates it again.
 */
export function sharedModule(key: string, evaluate: () => unknown): unknown {
  if (!evaluated.has(key)) evaluated.set(key, evaluate());
  return evaluated.get(key);
}
