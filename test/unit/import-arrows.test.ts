import { execFileSync } from 'node:child_process';
import path from 'node:path';

/*
 * The import arrows of docs/architecture.md are an ESLint rule; this proves the rule bites:
 * each back-up import below, linted as if it were in the named file, is an error, and each
 * allowed one is not.
 */
const ROOT = path.resolve(__dirname, '../..');
const ESLINT = path.join(ROOT, 'node_modules/eslint/bin/eslint.js');

function lintAs(file: string, source: string): string[] {
  let output: string;
  try {
    output = execFileSync(process.execPath, [ESLINT, '--format', 'json', '--stdin', '--stdin-filename', file], {
      cwd: ROOT,
      input: source,
      encoding: 'utf8',
    });
  } catch (err) {
    output = (err as { stdout: string }).stdout;
  }
  const [result] = JSON.parse(output) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import arrows', () => {
  it.each([
    ['workers/probe.ts', "import { buildServer } from '../gateway/server';"],
    ['workers/probe.ts', "import { temporalClientFor } from '../cli/temporal-client';"],
    ['activities/probe.ts', "import { FundingGates } from '../client/funding';"],
    ['client/api/probe.ts', "import { createArxflowWorker } from '../../workers/worker';"],
    ['client/probe.ts', "import { registerAuditRoutes } from '../gateway/audit-routes';"],
    ['gateway/probe.ts', "import { runCli } from '../cli/main';"],
    ['cli/commands/probe2.ts', "import { runArxflowWorker } from '../../workers/main';"],
    ['db/probe.ts', "import { FundingGates } from '../client/funding';"],
    ['platform/probe.ts', "import { openStore } from '../db/store';"],
    ['domain/probe.ts', "import { createLogger } from '../platform/logger';"],
    ['workflows/probe.ts', "import { createActivities } from '../activities';"],
    ['workflows/probe.ts', "import { temporalTarget } from '../platform/connection';"],
    ['gateway/probe.ts', "import { startService } from '../scripts/service';"],
  ])('%s: %s is refused', (file, source) => {
    expect(lintAs(file, `${source}\nexport {};\n`)).not.toEqual([]);
  });

  it.each([
    ['gateway/probe.ts', "import { FundingGates } from '../client/funding';"],
    ['cli/probe.ts', "import { openSettingsStore } from '../db/settings-store';"],
    ['workers/probe.ts', "import { createLogger } from '../platform/logger';"],
    ['workflows/probe.ts', "import type { AuditActivities } from '../activities/audit';"],
    ['activities/probe.ts', "import { signGithub } from '../platform/webhook-signatures';"],
  ])('%s: %s is allowed', (file, source) => {
    expect(lintAs(file, `${source}\nexport {};\n`)).toEqual([]);
  });
});
