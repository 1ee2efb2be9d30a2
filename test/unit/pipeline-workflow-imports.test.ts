import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The pipeline modules pipelineRun loads (the run state, its concurrency group, expressions, cache keys)
 * stay light: no YAML parser, no Node built-in, so they load in the workflow sandbox at a small cost per
 * run. The YAML schema is boundary code (loadPipelineDefinition, the API). Same check as
 * alerts-workflow-imports.test.ts: runtime imports only (type-only imports are erased), transitively.
 */
const ROOT = path.resolve(__dirname, '../..');
const WORKFLOW_SIDE = [
  'domain/pipelines/pipeline-run-state.ts',
  'domain/pipelines/concurrency.ts',
  'domain/pipelines/expressions.ts',
  'domain/pipelines/cache-keys.ts',
  'domain/pipelines/repo-key.ts',
];
const ALLOWED_LIBRARIES = ['zod', 'picomatch/posix'];

function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022);
  return source.statements.flatMap((statement) => {
    if (!ts.isImportDeclaration(statement)) return [];
    const clause = statement.importClause;
    const named = clause?.namedBindings;
    const typeOnly =
      clause?.isTypeOnly ||
      (!clause?.name && named && ts.isNamedImports(named) && named.elements.every((element) => element.isTypeOnly));
    return typeOnly ? [] : [(statement.moduleSpecifier as ts.StringLiteral).text];
  });
}

/** Modules reachable at run time from `file` (repository files as paths, libraries by name). */
function reachable(file: string): Set<string> {
  const seen = new Set([file]);
  const queue = [file];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const specifier of runtimeImports(current)) {
      const target = specifier.startsWith('.')
        ? path.relative(ROOT, path.resolve(ROOT, path.dirname(current), `${specifier}.ts`))
        : specifier;
      if (specifier.startsWith('.') && !existsSync(path.join(ROOT, target)))
        throw new Error(`${current}: ${specifier}`);
      if (seen.has(target)) continue;
      seen.add(target);
      if (specifier.startsWith('.')) queue.push(target);
    }
  }
  return seen;
}

describe('pipeline modules the workflow loads', () => {
  it.each(WORKFLOW_SIDE)('%s reaches only domain files, zod and picomatch', (file) => {
    const libraries = [...reachable(file)].filter((module) => !module.startsWith('domain/'));
    expect(libraries.filter((library) => !ALLOWED_LIBRARIES.includes(library))).toEqual([]);
  });

  it('the checker sees the YAML parser of the schema (it would catch one)', () => {
    expect(reachable('domain/pipelines/pipeline-schema.ts').has('yaml')).toBe(true);
  });
});
