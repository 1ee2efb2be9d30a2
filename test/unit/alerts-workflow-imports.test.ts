import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The alert modules a workflow imports must not pull zod (or yaml) in at run time: the SDK
 * evaluates every module of the bundle once per workflow, and a schema costs memory in
 * each open alert. Follows every runtime import (type-only imports are erased) from each
 * workflow-side module, transitively.
 */

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOW_SIDE = [
  'alert-state',
  'escalation-policy',
  'business-hours',
  'silences',
  'matchers',
  'incident',
  'metric-rules',
  'dedup',
  'types',
  'requests',
  'sha256',
].map((name) => `domain/alerts/${name}.ts`);
const BOUNDARY_ONLY = ['zod', 'yaml'];

function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause &&
          !clause.name &&
          clause.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers;
}

/** Every module reachable at run time from `file`, with the chain that reaches it. */
function reachable(file: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[file, [file]]]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const specifier of runtimeImports(current)) {
      const chain = [...seen.get(current)!, specifier];
      if (!specifier.startsWith('.')) {
        if (!seen.has(specifier)) seen.set(specifier, chain);
        continue;
      }
      const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(current), `${specifier}.ts`));
      if (!existsSync(path.join(ROOT, target))) throw new Error(`${current}: cannot resolve ${specifier}`);
      if (!seen.has(target)) {
        seen.set(target, chain);
        queue.push(target);
      }
    }
  }
  return seen;
}

describe('workflow-side alert modules', () => {
  it.each(WORKFLOW_SIDE)('%s reaches no zod or yaml at run time', (file) => {
    const modules = reachable(file);
    const offending = BOUNDARY_ONLY.filter((name) => modules.has(name)).map((name) => modules.get(name)!.join(' -> '));
    expect(offending).toEqual([]);
    // and stays inside domain/: the schemas files are for the gateway and config loading
    expect([...modules.keys()].filter((m) => m.endsWith('-schemas.ts'))).toEqual([]);
  });

  it('the checker sees a real zod import (it would catch one)', () => {
    expect(reachable('domain/alerts/intake-schemas.ts').get('zod')).toEqual(['domain/alerts/intake-schemas.ts', 'zod']);
  });
});
