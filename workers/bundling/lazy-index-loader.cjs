// Webpack loader of the workflow bundle (workers/bundle.ts): turns workflows/index.ts (only
// re-exports) into lazy getters, so a workflow evaluates its own modules and not every
// workflow type's. The SDK reads one property of this module per workflow: its type's
// function (`mod[workflowType]`), which requires that workflow's module on first read.
// `export *` modules (message definitions) are required at once: their names are unknown
// until then. Anything else in the file is refused with the file named, so the index keeps
// meaning the same in Node and in the bundle. `extra` adds exports {name: absolute path}
// (the memory bench's bare workflow). Plain CommonJS: see share-loader.cjs.
'use strict';

function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

module.exports = function lazyIndexLoader(source) {
  const { extra = {} } = this.getOptions();
  const lines = [
    '"use strict";',
    'const define = (name, get) => Object.defineProperty(exports, name, { enumerable: true, get });',
  ];
  // After the named ones, which win over a star export's name as in ES modules.
  const stars = [];
  const statement = /export\s+(type\s+)?(?:\{([^}]*)\}|\*)\s+from\s+(['"])([^'"]+)\3\s*;?/g;
  const rest = stripComments(source).replace(statement, (_all, typeOnly, names, _quote, from) => {
    if (typeOnly) return '';
    const target = JSON.stringify(from);
    if (names === undefined) {
      stars.push(
        `{ const m = require(${target}); for (const k of Object.keys(m)) if (k !== 'default' && !Object.prototype.hasOwnProperty.call(exports, k)) define(k, () => m[k]); }`,
      );
      return '';
    }
    for (const part of names
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (part.startsWith('type ')) continue;
      const [local, exported = local] = part.split(/\s+as\s+/).map((p) => p.trim());
      lines.push(`define(${JSON.stringify(exported)}, () => require(${target})[${JSON.stringify(local)}]);`);
    }
    return '';
  });
  if (rest.trim()) {
    throw new Error(
      `${this.resourcePath}: the workflow bundle's index may hold only re-exports (export {...} from / export * from), found: ${rest.trim().slice(0, 120)}`,
    );
  }
  lines.push(...stars);
  for (const [name, file] of Object.entries(extra)) {
    lines.push(`define(${JSON.stringify(name)}, () => require(${JSON.stringify(file)})[${JSON.stringify(name)}]);`);
  }
  return lines.join('\n') + '\n';
};
