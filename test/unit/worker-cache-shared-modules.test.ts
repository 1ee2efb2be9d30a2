// The workflow bundle evaluates domain/ once per worker and hands the same modules to every
// workflow (workers/bundle.ts: that is what keeps a cached workflow near the bare one's
// memory). A domain module with a `let` or `var` at module level would carry one workflow's
// state into the next, on one worker and not on another: replays would diverge. Module-level
// consts (constant tables, caches of pure functions) are allowed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { reachable } from '../support/runtime-imports';

const ROOT = path.resolve(__dirname, '../..');

const sharedDomainModules = [...reachable('workflows/index.ts').keys()].filter((file) => file.startsWith('domain/'));

function moduleLevelBindings(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022);
  return source.statements
    .filter(ts.isVariableStatement)
    .filter((statement) => !(statement.declarationList.flags & ts.NodeFlags.Const))
    .flatMap((statement) => statement.declarationList.declarations.map((d) => d.name.getText(source)));
}

describe('domain modules shared by every workflow of a worker', () => {
  it('are the ones the workflows reach', () => {
    expect(sharedDomainModules.length).toBeGreaterThan(20);
    expect(sharedDomainModules).toContain('domain/lazy-schema.ts');
  });

  it.each(sharedDomainModules)('%s keeps no let or var at module level', (file) => {
    expect(moduleLevelBindings(file)).toEqual([]);
  });

  it('a module-level let or var is what this test finds', () => {
    expect(
      moduleLevelBindings('probe.ts', 'let count = 0;\nvar seen;\nconst fixed = 1;\nfunction f() { let local = 1; }'),
    ).toEqual(['count', 'seen']);
  });
});
