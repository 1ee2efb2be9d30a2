import { complianceReviewId } from '../compliance/review';
import type { Intent } from './nlp-types';

/**
 * The exact `arxflow` command line an intent stands for (issue #16: `command` in a
 * Translation), written in the syntax cli/commands/*.ts accept today. Where the CLI cannot
 * say everything the text said (no such option, or no such command yet), the line is the
 * nearest one it accepts (or will accept once the area exists) and `warnings` say what is
 * left out, so nobody reads more into the line than it does.
 */
export interface CommandLine {
  /** null when no command can be written (unknown, or a required object is not named). */
  command: string | null;
  warnings: string[];
}

/** The reason code a rejection spoken without one carries (the CLI requires --reason to reject). */
export const SPOKEN_REJECT_REASON = 'unspecified';
/** The ref a pipeline run without a named branch starts from (the CLI requires a ref). */
export const DEFAULT_PIPELINE_REF = 'main';

/** `commandFor(intent, args)`: the command line only; see `commandLineFor` for the warnings. */
export function commandFor(intent: Intent, args: Record<string, unknown>): string | null {
  return commandLineFor(intent, args).command;
}

/** Assumes `args` passed INTENT_ARGS for `intent` (domain/nlp/translation.ts checks first). */
export function commandLineFor(intent: Intent, args: Record<string, unknown>): CommandLine {
  const a = args as Record<string, string | number | undefined>;
  const warnings: string[] = [];
  const line = (...words: (string | number | undefined | false)[]): CommandLine => ({
    command: ['arxflow', ...words.filter((w): w is string | number => w !== undefined && w !== false)]
      .map((w) => quote(String(w)))
      .join(' '),
    warnings,
  });
  const none = (why: string): CommandLine => ({ command: null, warnings: [...warnings, why] });

  switch (intent) {
    case 'funding.status':
      return line('funding', 'status', a.projectId, a.milestoneId);
    case 'funding.approve':
      if (a.amount !== undefined) {
        warnings.push(
          `funding approve approves the amounts the draw requests; the amount said (${a.amount} minor units) ` +
            "is checked against the draw's requested total before it runs",
        );
      }
      return line('funding', 'approve', a.projectId, a.milestoneId);
    case 'funding.reject':
      warnings.push(
        `a rejection needs a reason code: '${SPOKEN_REJECT_REASON}' is sent (run the command with the real --reason instead)`,
      );
      return line('funding', 'reject', a.projectId, a.milestoneId, '--reason', SPOKEN_REJECT_REASON);
    case 'alerts.list':
      if (a.severity !== undefined || a.service !== undefined) {
        warnings.push(
          `alerts list has no ${[a.severity !== undefined && '--severity', a.service !== undefined && '--service']
            .filter(Boolean)
            .join(' or ')} option yet: the rows are filtered after listing`,
        );
      }
      return line('alerts', 'list', '--status', a.status ?? 'open');
    case 'alerts.ack':
    case 'alerts.resolve': {
      const verb = intent === 'alerts.ack' ? 'ack' : 'resolve';
      if (a.alertId !== undefined) return line('alerts', verb, a.alertId);
      return none(
        a.service !== undefined
          ? `name the alert: alerts ${verb} takes an alert id (lookup lists service ${a.service}'s open alerts when the service is reachable)`
          : `name the alert: alerts ${verb} takes an alert id`,
      );
    }
    case 'deploy.start':
      return line('deploy', 'start', a.service, a.version, a.environment !== undefined && '--env', a.environment);
    case 'deploy.approve':
      return line('deploy', 'approve', a.service, a.version);
    case 'deploy.rollback':
      if (a.version === undefined) {
        return none(`name the version: deploy rollback takes the deployment's version (deploy status ${a.service})`);
      }
      return line('deploy', 'rollback', a.service, a.version, '--reason', 'requested in natural language');
    case 'deploy.status':
      return line('deploy', 'status', a.service);
    case 'compliance.check':
      warnings.push(
        'compliance check takes a plan file today; checking a stored plan by its id is not built yet (this line is what it will accept)',
      );
      return line('compliance', 'check', a.planId);
    case 'compliance.status':
      // The plan's review answers its status query (workflows/compliance-review.ts).
      return line('workflows', 'query', complianceReviewId(String(a.planId)), 'status');
    case 'sync.log':
      return line('sync', 'log', a.documentId);
    case 'sync.revert':
      if (a.commitId === undefined) {
        return none(`name the commit: sync revert takes the commit to undo (sync log ${a.documentId} lists them)`);
      }
      if (String(a.commitId).length < 64) {
        warnings.push(
          `sync revert takes the full commit id: ${a.commitId} is made the full id of the one matching commit of sync log ${a.documentId} before it runs`,
        );
      }
      return line('sync', 'revert', a.documentId, a.commitId);
    case 'pipeline.run':
      if (a.ref === undefined) warnings.push(`no branch named: the run is of ${DEFAULT_PIPELINE_REF}`);
      return line('pipeline', 'run', a.repo, a.ref ?? DEFAULT_PIPELINE_REF);
    case 'pipeline.status':
      warnings.push(
        `pipeline status takes a run id: this lists ${a.repo}'s latest run` +
          (a.ref !== undefined ? ` (pipeline list has no --ref option yet: the ref ${a.ref} is not filtered)` : ''),
      );
      return line('pipeline', 'list', '--repo', a.repo, '--limit', 1);
    case 'workflows.list': {
      const status = a.status === undefined ? undefined : a.status === 'running' ? 'open' : 'closed';
      if (a.status !== undefined && a.status !== 'running') {
        warnings.push(`workflows list filters open | closed | all: ${a.status} is listed as closed`);
      }
      return line(
        'workflows',
        'list',
        a.projectId !== undefined && '--project',
        a.projectId,
        status !== undefined && '--status',
        status,
      );
    }
    case 'unknown':
      return { command: null, warnings };
  }
}

/** A word as a POSIX shell reads it back: bare when plain, else single-quoted. */
export function quote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
