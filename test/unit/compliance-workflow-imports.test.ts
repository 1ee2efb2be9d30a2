import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The complianceReview workflow must not load the plan schema, the engine or the rule packs:
 * the SDK evaluates the bundle's modules once per workflow, and the check runs in an activity
 * anyway. zod itself may load: the workflow parses its input and messages with the
 * gateway's schemas (domain/compliance/review-schemas.ts), built on first use. Transpiling
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

  it('reaches no plan schema, no engine, no rule packs and no boundary-only library at run time', () => {
    const boundaryOnly = [...modules].filter(
      (m) =>
        /plan-schema|engine|resolve|rules|packs\/|jurisdictions|compliance-review-schemas|report-|permit-export/.test(
          m,
        ) || ['yaml', 'pdfkit', 'zod-to-json-schema'].includes(m),
    );
    expect(boundaryOnly).toEqual([]);
  });

  it('does reach its domain modules and the schemas it parses messages with (the check would see an import)', () => {
    expect(modules).toContain('domain/compliance/review.ts');
    expect(modules).toContain('domain/compliance/business-days.ts');
    expect(modules).toContain('domain/compliance/review-schemas.ts');
    expect(modules).toContain('zod');
    expect(reachableFrom('activities/compliance.ts')).toContain('domain/compliance/packs/ibc-2021.ts');
  });
});
