// Cache keys such as `deps-${{ github.ref_name }}-${{ hashFiles('package-lock.json') }}`: the template is in the
// definition, the file hashes are made in the job's workspace (an activity) and handed in.
import { InputError } from '../validation';
import { expandExpressions, expressionUses } from './expressions';

/** Every glob hashFiles() is called with in `keyTemplate`, each once, in order of first use. */
export function hashFilesPatternsIn(keyTemplate: string): string[] {
  const patterns = expressionUses(keyTemplate).flatMap((use) =>
    use.expression?.kind === 'hashFiles' ? use.expression.patterns : [],
  );
  return [...new Set(patterns)];
}

/**
 * The key: each `hashFiles(...)` replaced by `hashOf(its patterns)` (the workspace's files matching
 * them, hashed; GitHub gives '' when none match), `${{ github.* }}` by the run's context. Secrets are
 * refused: a key is stored and shown in logs.
 */
export function renderCacheKey(
  template: string,
  hashOf: (patterns: string[]) => string,
  github: Record<string, string>,
): string {
  let out = '';
  let at = 0;
  for (const use of expressionUses(template)) {
    const expression = use.expression;
    if (expression?.kind === 'secret')
      throw new InputError(`cache key: ${use.source}: secrets may not be in a cache key`);
    out += template.slice(at, use.start);
    out += expression?.kind === 'hashFiles' ? hashOf(expression.patterns) : expandExpressions(use.source, { github });
    at = use.end;
  }
  return out + template.slice(at);
}
