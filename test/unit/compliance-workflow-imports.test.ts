import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The complianceReview workflow must not load zod or the rule packs: the SDK evaluates the
 * bundle's modules once per workflow, and the check runs in an activity anyway. Transpiling
 * each module drops its type-only imports, so the `require` calls left are exactly what
 * runs; they are followed through the repository's own modules.
 */
const ROOT = path.resolve(__dirname, '../..');

function runtimeRequires(file: string): string[] {
  const js = ts.transpileModule(readFileSync(path.join(ROOT, file), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  }).outputText;
  return [...js.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!);
}

function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const specifier of runtimeRequires(file)) {
      const target = specifier.startsWith('.')
        ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), `${specifier}.ts`))
        : specifier;
      if (specifier.startsWith('.') && !existsSync(path.join(ROOT, target)))
        throw new Error(`${file}: cannot resolve ${specifier}`);
      if (seen.has(target)) continue;
      seen.add(target);
      if (specifier.startsWith('.')) queue.push(target);
    }
  }
  return seen;
}

describe('complianceReview workflow imports', () => {
  const modules = reachableFrom('workflows/compliance-review.ts');

  it('reaches no zod, no plan schema, no engine and no rule packs at run time', () => {
    const heavy = [...modules].filter(
      (m) => m === 'zod' || /plan-schema|engine|packs\/|jurisdictions|lazy-schema/.test(m),
    );
    expect(heavy).toEqual([]);
  });

  it('does reach its pure domain modules (the check would see an import)', () => {
    expect(modules).toContain('domain/compliance/review.ts');
    expect(modules).toContain('domain/compliance/business-days.ts');
    expect(reachableFrom('activities/compliance.ts')).toContain('zod');
  });
});
