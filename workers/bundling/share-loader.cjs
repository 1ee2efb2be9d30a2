// Webpack loader of the workflow bundle (workers/bundle.ts): replaces a shared module's source
// with a stub that takes its exports from workers/bundling/shared-modules.ts, which evaluates
// the real module (the same file with the `ownQuery` the rule excludes) once per
// V8 context. Plain CommonJS: webpack loads loaders with require, also where no TypeScript
// hook is registered.
'use strict';

module.exports = function shareLoader() {
  const { registry, ownQuery } = this.getOptions();
  const key = JSON.stringify(this.resourcePath);
  const own = JSON.stringify(this.resourcePath + ownQuery);
  return (
    `// Shared across workflows: evaluated once per V8 context (workers/bundle.ts).\n` +
    `module.exports = require(${JSON.stringify(registry)}).sharedModule(${key}, () => require(${own}));\n`
  );
};
