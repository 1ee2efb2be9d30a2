import { existsSync } from 'node:fs';
import path from 'node:path';
import { reachable } from '../support/runtime-imports';

/**
 * What the alert workflows (and the probe) load at run time: the SDK evaluates every module
 * of the bundle once per workflow, so a boundary-only library there costs memory in each
 * open alert, and the bundle may not even be able to load it. zod is allowed: every workflow
 * evaluates zod itself (there is no preload: the SDK deep-freezes preloaded modules and zod
 * writes to its own regexes), and the schemas in domain/ are built on first use (lazySchema),
 * so a workflow pays for zod and for the schemas it parses with. YAML and the YAML/config
 * parsers, servers, stores and Node built-ins stay at the boundary.
 * Follows every runtime import (type-only imports are erased) from each workflow, transitively.
 */

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS = [
  'workflows/alerts/alert-escalation.ts',
  'workflows/alerts/incident.ts',
  'workflows/alerts/incident-review.ts',
  'workflows/alerts/metric-evaluator.ts',
  'workflows/durability-probe.ts',
  'workflows/replay-trigger-action.ts',
];
const BOUNDARY_ONLY = [
  'yaml',
  'fastify',
  'nodemailer',
  '@slack/web-api',
  '@electric-sql/pglite',
  'pg',
  '@temporalio/client',
  '@temporalio/worker',
];
const isBoundaryOnly = (module: string) => BOUNDARY_ONLY.includes(module) || module.startsWith('node:');
/** The YAML and config-file parsers: boundary code, whatever they import. */
const CONFIG_PARSERS = [
  'domain/alerts/yaml-input.ts',
  'domain/alerts/escalation-policy-schemas.ts',
  'domain/alerts/metric-rules-schemas.ts',
  'domain/config-file.ts',
];

describe('modules the alert workflows load', () => {
  it.each(WORKFLOWS)('%s reaches no boundary-only library and no YAML or config parser at run time', (file) => {
    const modules = reachable(file);
    const offending = [...modules.keys()]
      .filter((module) => isBoundaryOnly(module) || CONFIG_PARSERS.includes(module))
      .map((module) => modules.get(module)!.join(' -> '));
    expect(offending).toEqual([]);
  });

  it('allows zod: the alert start input and the alert and incident messages are checked with their zod schemas in the workflow', () => {
    expect(reachable('workflows/alerts/alert-escalation.ts').has('zod')).toBe(true);
    expect(reachable('workflows/alerts/alert-escalation.ts').has('domain/alerts/alert-input.ts')).toBe(true);
    expect(reachable('workflows/alerts/incident.ts').has('zod')).toBe(true);
  });

  it('names config parsers that exist (a renamed one would slip through)', () => {
    for (const parser of CONFIG_PARSERS) expect(existsSync(path.join(ROOT, parser))).toBe(true);
  });

  it('the checker sees a real yaml import (it would catch one)', () => {
    expect(reachable('domain/alerts/escalation-policy-schemas.ts').get('yaml')).toEqual([
      'domain/alerts/escalation-policy-schemas.ts',
      './yaml-input',
      'yaml',
    ]);
  });
});
