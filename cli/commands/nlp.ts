import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { openAlerts, resolveIntent, runIntent, type IntentServices } from '../../client/nlp/run-intent';
import { translate } from '../../client/nlp/translate';
import { openSettingsStore } from '../../db/settings-store';
import { nlpAuditEntry, type NlpAuditBody } from '../../domain/nlp/nlp-audit';
import { ENGINES, type Engine, type Translation } from '../../domain/nlp/nlp-types';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, print } from '../output';
import { stdinLines } from '../stdin-lines';
import { withDeploys } from './deploy';
import { withPipelines } from './pipelines';
import { syncOperationsIn } from './sync';

/** How long `lookup` may take before the translation is printed without it (it never fails translation). */
const LOOKUP_MS = 2_000;

interface EngineOptions {
  engine: string;
  json?: boolean;
}

/**
 * `arxflow nlp translate|run` (issue #16): text to one arxflow command. `translate` prints the
 * translation and runs nothing (no server needed; what the running service knows of the
 * objects named is added as `lookup` when it is reachable). `run` prints the command, asks
 * y/N on a terminal when the intent changes money, deployments, incidents or data (`--yes`
 * in scripts; without a terminal and without --yes it refuses), records the text, engine and
 * command in the audit chain as the caller, then runs it through the same operations the
 * typed command uses. Exit codes: 0 done, 1 refused or failed, 2 bad input or nothing to run.
 */
export function registerNlpCommands(program: Command): void {
  const nlp = program
    .command('nlp')
    .description('natural-language commands: translate text to an arxflow command, run it');

  nlp
    .command('translate')
    .description('print the command a text stands for, without running it')
    .argument('[text]')
    .option('--stdin', 'read one text per line; with --json write one JSON object per line')
    .option('--engine <engine>', ENGINES.join(' | '), 'local')
    .option('--json', 'print JSON: {intent, args, command, confidence, needsConfirmation, engine, lookup?, warnings?}')
    .action(async (text: string | undefined, options: EngineOptions & { stdin?: boolean }) => {
      const engine = engineOf(options.engine);
      if (options.stdin && text !== undefined)
        throw new CliError('text: give a text or --stdin, not both', EXIT.badInput);
      if (!options.stdin && text === undefined) throw new CliError('text: give a text (or --stdin)', EXIT.badInput);
      if (!options.stdin) {
        const translation = await withLookup(await translate(text!, { engine }));
        printTranslation(translation, !!options.json);
        return;
      }
      // One answer per line, in order, as each line arrives (lookups are skipped: scripts and evaluation).
      for await (const line of stdinLines(process.stdin)) {
        const translation = await translate(line, { engine });
        if (options.json) console.log(JSON.stringify(translation));
        else printTranslation(translation, false);
      }
    });

  nlp
    .command('run')
    .description('translate a text, print the command, confirm when it changes something, run it as you')
    .argument('<text>')
    .option('--yes', 'run without asking (scripts)')
    .option('--engine <engine>', ENGINES.join(' | '), 'local')
    .option('--json', 'print JSON: {translation, command, result}')
    .action(async (text: string, options: EngineOptions & { yes?: boolean }) => {
      const engine = engineOf(options.engine);
      const translation = await translate(text, { engine });
      if (translation.intent === 'unknown') {
        throw new CliError(`nothing to run: not an arxflow command${warningText(translation)}`, EXIT.badInput);
      }
      await withCliContext(async (ctx) => {
        const services = servicesOf(ctx);
        const resolved = await resolveIntent(translation, services);
        if (resolved.command === null) {
          throw new CliError(`nothing to run${warningText(resolved)}`, EXIT.badInput);
        }
        console.error(`> ${resolved.command}`);
        for (const warning of resolved.warnings ?? []) console.error(`  warning: ${warning}`);
        if (resolved.needsConfirmation && !options.yes) await confirm(resolved.command);
        // Recorded before it runs: nothing runs unaudited (the command's workflow records its own outcome).
        await audit(ctx, {
          text,
          engine: resolved.engine,
          intent: resolved.intent,
          args: resolved.args,
          command: resolved.command,
          confidence: resolved.confidence,
        });
        const { command, result } = await runIntent(resolved, services);
        if (options.json) console.log(JSON.stringify({ translation: resolved, command, result }, null, 2));
        else print((result ?? {}) as Record<string, unknown>, false);
      });
    });
}

function engineOf(engine: string): Engine {
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new CliError(`--engine: must be one of ${ENGINES.join(', ')} (got ${engine})`, EXIT.badInput);
  }
  return engine as Engine;
}

/** The operations the typed commands use, as the caller of this CLI context. */
function servicesOf(ctx: CliContext): IntentServices {
  return {
    caller: ctx.caller,
    operations: ctx.operations,
    deploys: (work) => withDeploys({ role: [] }, (ops) => work(ops)),
    syncs: (work) => syncOperationsIn(ctx, work),
    pipelines: (work) => withPipelines((ops) => work(ops)),
    // As `pipeline run` takes a path typed here (the service's working directory is not ours).
    repoLocation: (repo) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) ? repo : path.resolve(repo)),
  };
}

/** y/N on a terminal; without one, refused (nothing runs): scripts say --yes. */
async function confirm(command: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new CliError(`--yes: '${command}' needs confirmation and stdin is not a terminal`, EXIT.badInput);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question('Run it? [y/N] ', resolve));
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing ran');
}

/** Into the audit chain as the caller: through the gateway (the token's subject), else the store directly. */
async function audit(ctx: CliContext, body: NlpAuditBody): Promise<void> {
  if (ctx.gateway) {
    await ctx.gateway.request('POST', '/v1/nlp/audit', body);
    return;
  }
  const store = await openSettingsStore(ctx.settings);
  try {
    await store.audit.append(nlpAuditEntry(body, ctx.caller.subject));
  } finally {
    await store.close();
  }
}

/** `lookup`: what the running service knows of the objects named; absent when it is not reachable (or slow). */
async function withLookup(translation: Translation): Promise<Translation> {
  if (!wantsLookup(translation)) return translation;
  let timer: NodeJS.Timeout | undefined;
  try {
    const lookup = await Promise.race([
      withCliContext((ctx) => (ctx.gateway ? lookupOf(translation, servicesOf(ctx)) : Promise.resolve(undefined))),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), LOOKUP_MS))),
    ]);
    return lookup ? { ...translation, lookup } : translation;
  } catch {
    return translation;
  } finally {
    clearTimeout(timer);
  }
}

function wantsLookup(translation: Translation): boolean {
  return translation.intent.startsWith('alerts.') || translation.intent.startsWith('deploy.');
}

async function lookupOf(translation: Translation, services: IntentServices): Promise<Record<string, unknown>> {
  const { args } = translation;
  if (translation.intent.startsWith('alerts.')) {
    const open = await openAlerts(services, args.service === undefined ? {} : { service: args.service });
    return { openAlerts: open.map((alert) => alert.alertId) };
  }
  const deployment = await services.deploys((ops) => ops.status({ service: String(args.service) }));
  const { workflowId, environment, version, status } = deployment;
  return { deployment: { workflowId, environment, version, status } };
}

function printTranslation(translation: Translation, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(translation));
    return;
  }
  print(
    {
      intent: translation.intent,
      command: translation.command ?? '(none)',
      confidence: translation.confidence,
      needsConfirmation: translation.needsConfirmation ? 'yes' : 'no',
      engine: translation.engine,
      ...(Object.keys(translation.args).length ? { args: JSON.stringify(translation.args) } : {}),
      ...(translation.lookup ? { lookup: JSON.stringify(translation.lookup) } : {}),
      ...(translation.warnings?.length ? { warnings: translation.warnings.join('; ') } : {}),
    },
    false,
  );
}

function warningText(translation: Translation): string {
  return translation.warnings?.length ? `: ${translation.warnings.join('; ')}` : '';
}
