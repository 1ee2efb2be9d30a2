import { execFileSync } from 'node:child_process';
import path from 'node:path';

/*
 * The import arrows of docs/architecture.md are an ESLint rule; this proves the rule bites:
 * each back-up import below, linted as if it were in the named file, is an error, and each
 * allowed one is not.
 */
const ROOT = path.resolve(__dirname, '../..');

const REFUSED: [string, string][] = [
  ['workers/probe.ts', "import { buildServer } from '../gateway/server';"],
  ['workers/probe.ts', "import { temporalClientFor } from '../cli/temporal-client';"],
  ['activities/probe.ts', "import { FundingGates } from '../client/funding';"],
  ['client/api/probe.ts', "import { createArxflowWorker } from '../../workers/worker';"],
  ['client/probe.ts', "import { registerAuditRoutes } from '../gateway/audit-routes';"],
  ['gateway/probe.ts', "import { run } from '../cli/main';"],
  ['cli/commands/probe.ts', "import { runArxflowWorker } from '../../workers/main';"],
  ['db/probe.ts', "import { FundingGates } from '../client/funding';"],
  ['platform/probe.ts', "import { openStore } from '../db/store';"],
  ['domain/probe.ts', "import { createLogger } from '../platform/logger';"],
  ['workflows/probe.ts', "import { createActivities } from '../activities';"],
  ['workflows/probe.ts', "import { temporalTarget } from '../platform/connection';"],
  ['gateway/probe.ts', "import { startService } from '../scripts/service';"],
];
const ALLOWED: [string, string][] = [
  ['gateway/probe.ts', "import { FundingGates } from '../client/funding';"],
  ['cli/probe.ts', "import { openSettingsStore } from '../db/settings-store';"],
  ['workers/probe.ts', "import { createLogger } from '../platform/logger';"],
  ['workflows/probe.ts', "import type { AuditActivities } from '../activities/audit';"],
  ['activities/probe.ts', "import { signGithub } from '../platform/webhook-signatures';"],
];

/** Lints each source as if it were the named file (one ESLint process, the repository's config). */
function restrictedImportMessages(cases: [string, string][]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [filePath, source] of cases) {
        const [result] = await eslint.lintText(source + '\\nexport {};\\n', { filePath });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8' }),
  );
}

describe('import arrows', () => {
  it('refuses every import that runs back up', () => {
    const messages = restrictedImportMessages(REFUSED);
    REFUSED.forEach(([file, source], i) =>
      expect({ file, source, refused: messages[i]!.length > 0 }).toEqual({ file, source, refused: true }),
    );
  });

  it('allows the imports that follow the arrows', () => {
    const messages = restrictedImportMessages(ALLOWED);
    ALLOWED.forEach(([file, source], i) =>
      expect({ file, source, messages: messages[i] }).toEqual({ file, source, messages: [] }),
    );
  });
});
