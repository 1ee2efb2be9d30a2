import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A `kubectl` for tests (there is no cluster here): an executable on disk that appends its
 * argv to a log and answers from scripted rules, so a test sees the exact commands a target
 * ran and drives how each one ends (stdout, stderr, exit code).
 *
 * A rule answers a call whose argv, joined by spaces, contains `match`; the first rule with
 * uses left wins (`times`: how often it may answer; unset: always). A call no rule answers
 * exits 0 with no output, like a kubectl command that changed something.
 */
export interface KubectlRule {
  match: string;
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  times?: number;
}

export interface RecordingKubectl {
  /** The executable's path (the target's `kubectl` setting, or put `dir` on PATH). */
  binary: string;
  dir: string;
  answer(rule: KubectlRule): void;
  /** Every call so far, oldest first, each its argv. */
  calls(): string[][];
  /** Every call joined by spaces. */
  commands(): string[];
  clearCalls(): void;
  remove(): void;
}

const SCRIPT = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const dir = __dirname;
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify(argv) + '\\n');
const rules = JSON.parse(fs.readFileSync(path.join(dir, 'rules.json'), 'utf8'));
const usesFile = path.join(dir, 'uses.json');
const uses = fs.existsSync(usesFile) ? JSON.parse(fs.readFileSync(usesFile, 'utf8')) : {};
const line = argv.join(' ');
const index = rules.findIndex((rule, i) => line.includes(rule.match) && (rule.times === undefined || (uses[i] || 0) < rule.times));
if (index < 0) process.exit(0);
const rule = rules[index];
uses[index] = (uses[index] || 0) + 1;
fs.writeFileSync(usesFile, JSON.stringify(uses));
if (rule.stdout) process.stdout.write(rule.stdout);
if (rule.stderr) process.stderr.write(rule.stderr);
process.exitCode = rule.exitCode || 0;
`;

export function recordingKubectl(): RecordingKubectl {
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-kubectl-'));
  const binary = path.join(dir, 'kubectl');
  writeFileSync(binary, SCRIPT);
  chmodSync(binary, 0o755);
  const rulesFile = path.join(dir, 'rules.json');
  const callsFile = path.join(dir, 'calls.jsonl');
  const rules: KubectlRule[] = [];
  writeFileSync(rulesFile, '[]');
  const calls = () =>
    existsSync(callsFile)
      ? readFileSync(callsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as string[])
      : [];
  return {
    binary,
    dir,
    answer(rule) {
      rules.push(rule);
      writeFileSync(rulesFile, JSON.stringify(rules));
    },
    calls,
    commands: () => calls().map((argv) => argv.join(' ')),
    clearCalls: () => rmSync(callsFile, { force: true }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
