import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// What a workflow loads at run time, for the tests that keep boundary-only libraries out of
// workflow bundles: runtime imports and re-exports (type-only ones are erased), followed from a
// file of the repository through every repository file they reach.

const ROOT = path.resolve(__dirname, '../..');

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
export function reachable(file: string): Map<string, string[]> {
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
