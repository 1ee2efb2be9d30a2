import type { Command } from 'commander';
import type { Caller } from '../../client/api/operations';
import { HttpSyncOperations } from '../../client/api/sync-http-operations';
import {
  branchNameSchema,
  commitIdSchema,
  documentIdSchema,
  documentKindSchema,
  hookIdSchema,
  type SyncOperations,
} from '../../client/api/sync-operations';
import { refusalMessage } from '../../client/api/sync-outcomes';
import { TemporalSyncOperations } from '../../client/api/sync-temporal-operations';
import type { CommitOutcome } from '../../domain/sync/sync-types';
import { parseInput } from '../../domain/validation';
import { openSettingsStore } from '../../db/settings-store';
import { SyncStore } from '../../db/sync-store';
import type { Store } from '../../db/store';
import { loadConfigFile } from '../../platform/config-file';
import { withCliContext, type CliContext } from '../context';
import { CliError, EXIT, jsonOption, print, printSection, printTable, readJsonFile } from '../output';
import { printStream } from './watch';
import { mintFor } from '../gateway-target';

/** Tokens the CLI mints for `--as` through a found service live this long (as cli/gateway-target.ts's). */

interface ActingOptions {
  as?: string;
  role: string[];
}
interface ChangeOptions extends ActingOptions {
  json?: boolean;
  requestId?: string;
}

const collect = (value: string, all: string[]) => [...all, value];

/**
 * `arxflow sync commit|show|log|diff|revert|merge|branch|status|list|watch|hooks`: versioned project
 * documents (issue #15), through the gateway when there is one (ARXFLOW_URL, or the running
 * service of the data dir), else on Temporal and the store directly. Exit codes: 0 done, 1
 * refused (a conflict names the current head, a denial its reasons), 2 bad input (nothing
 * written).
 */
export function registerSyncCommands(program: Command): void {
  const sync = program
    .command('sync')
    .description('versioned project documents: commit, show, log, diff, revert, status, list, watch, hooks');

  sync
    .command('commit')
    .description("commit a new version of a document (the file's JSON is the whole document)")
    .argument('<documentId>')
    .argument('<file>', 'the document as JSON')
    .requiredOption('-m, --message <text>', 'why (a line "Override: <reason>" lets a reviewer pass a new violation)')
    .option('--kind <kind>', "plan | budget | schedule | json (default: the document's, or json when new)")
    .option('--parent <commitId>', 'the commit your edit is based on (required once the document has commits)')
    .option('--branch <name>', "commit onto this branch (its tip moves from --parent's side); default head")
    .option('--metadata <json>', 'small JSON kept beside the content')
    .option('--request-id <id>', 'idempotency key: the same again answers the first result')
    .option('--as <userId>', 'the author (direct mode, or a found service); through ARXFLOW_URL, the token subject')
    .option('--role <role>', 'a role to act with besides admin (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: {commitId, parents, documentId, stats, merged}')
    .action(
      async (
        documentId: string,
        file: string,
        options: ChangeOptions & {
          message: string;
          kind?: string;
          parent?: string;
          metadata?: string;
          branch?: string;
        },
      ) => {
        const id = parseInput(documentIdSchema, documentId, 'documentId');
        const body = {
          content: readJsonFile(file),
          message: options.message,
          ...(options.branch === undefined ? {} : { branch: parseInput(branchNameSchema, options.branch, '--branch') }),
          ...(options.kind === undefined ? {} : { kind: parseInput(documentKindSchema, options.kind, '--kind') }),
          ...(options.parent === undefined ? {} : { parent: parseInput(commitIdSchema, options.parent, '--parent') }),
          ...(options.metadata === undefined ? {} : { metadata: jsonOption(options.metadata, '--metadata') }),
          ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
        };
        const outcome = await withSync(options, (ops, caller) => ops.commit(id, body, caller));
        printCommitted(outcome, !!options.json);
      },
    );

  sync
    .command('revert')
    .description("restore an earlier version: a new commit on the head with that commit's content (history is kept)")
    .argument('<documentId>')
    .argument('<commitId>')
    .option('-m, --message <text>', 'default: Revert "<message of commitId>"')
    .option('--request-id <id>', 'idempotency key: the same again answers the first result')
    .option('--as <userId>', 'the author (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with besides admin (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: {commitId, parents, documentId, stats, merged}')
    .action(async (documentId: string, commitId: string, options: ChangeOptions & { message?: string }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const body = {
        commitId: parseInput(commitIdSchema, commitId, 'commitId'),
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      };
      const outcome = await withSync(options, (ops, caller) => ops.revert(id, body, caller));
      printCommitted(outcome, !!options.json);
    });

  sync
    .command('show')
    .description('a commit with its content (the head when no commit is given)')
    .argument('<documentId>')
    .argument('[commitId]')
    .option('--branch <name>', "a branch: its tip, or a commit it reaches (default head's history)")
    .option('--json', 'print JSON: {commitId, content, metadata, author, message, at}')
    .action(async (documentId: string, commitId: string | undefined, options: { json?: boolean; branch?: string }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const commit = commitId === undefined ? undefined : parseInput(commitIdSchema, commitId, 'commitId');
      const branch = branchOption(options.branch);
      const shown = await withSync({ role: [] }, (ops) => ops.show(id, commit, branch));
      const { content, metadata, author, message, at, parents, kind } = shown;
      if (options.json) {
        console.log(
          JSON.stringify({ commitId: shown.commitId, content, metadata, author, message, at, parents, kind }, null, 2),
        );
        return;
      }
      printSection(`Commit ${shown.commitId}`, {
        fields: { document: `${shown.documentId} (${kind})`, parents: parents.join(' ') || '-', author, at, message },
      });
      printSection('Metadata', { fields: { metadata } });
      console.log(JSON.stringify(content, null, 2));
    });

  sync
    .command('log')
    .description("a document's commits, newest first")
    .argument('<documentId>')
    .option('--limit <n>', 'at most this many', '50')
    .option('--before <commitId>', 'the page after this commit')
    .option('--branch <name>', "a branch's commits (its first-parent chain) instead of head's")
    .option('--json', 'print JSON: {commits: [{commitId, parents, author, message, at}], next?}')
    .action(
      async (documentId: string, options: { limit: string; before?: string; json?: boolean; branch?: string }) => {
        const id = parseInput(documentIdSchema, documentId, 'documentId');
        const branch = branchOption(options.branch);
        const query = {
          limit: Number(options.limit),
          ...(branch === undefined ? {} : { branch }),
          ...(options.before === undefined ? {} : { before: parseInput(commitIdSchema, options.before, '--before') }),
        };
        const page = await withSync({ role: [] }, (ops) => ops.log(id, query));
        if (options.json) {
          const commits = page.commits.map(({ commitId, parents, author, message, at, stats }) => ({
            commitId,
            parents,
            author,
            message,
            at,
            stats,
          }));
          console.log(JSON.stringify({ commits, ...(page.next ? { next: page.next } : {}) }, null, 2));
          return;
        }
        printTable(
          page.commits.map((commit) => ({
            commit: commit.commitId.slice(0, 12),
            at: commit.at,
            author: commit.author,
            changes: statsText(commit.stats),
            message: `${commit.parents.length > 1 ? '(merge) ' : ''}${commit.message.split('\n')[0]}`,
          })),
          ['commit', 'at', 'author', 'changes', 'message'],
          false,
        );
        if (page.next) console.log(`(more: --before ${page.next})`);
      },
    );

  sync
    .command('diff')
    .description('the changes from commit <a> to commit <b>, path by path (--json: the RFC 6902 patch)')
    .argument('<documentId>')
    .argument('<a>', 'the older commit')
    .argument('<b>', 'the newer commit')
    .option('--branch <name>', 'both commits of this branch (default: of head)')
    .option('--json', 'print JSON: {patch: [RFC 6902 operations], metadataPatch, changes}')
    .action(async (documentId: string, a: string, b: string, options: { json?: boolean; branch?: string }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const branch = branchOption(options.branch);
      const query = {
        from: parseInput(commitIdSchema, a, 'a'),
        to: parseInput(commitIdSchema, b, 'b'),
        ...(branch === undefined ? {} : { branch }),
      };
      const diff = await withSync({ role: [] }, (ops) => ops.diff(id, query));
      if (options.json) {
        const { patch, metadataPatch, changes } = diff;
        console.log(JSON.stringify({ patch, metadataPatch, changes }, null, 2));
        return;
      }
      if (diff.changes.length === 0 && diff.metadataPatch.length === 0) console.log('(no changes)');
      for (const change of diff.changes) console.log(change);
      if (diff.metadataPatch.length > 0) console.log(`metadata: ${diff.metadataPatch.length} change(s)`);
    });

  sync
    .command('status')
    .description("a document's head, newest commits, waiting changes and recent refusals")
    .argument('<documentId>')
    .option('--json', 'print JSON')
    .action(async (documentId: string, options: { json?: boolean }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const view = await withSync({ role: [] }, (ops) => ops.head(id));
      if (options.json) return print(view as never, true);
      printSection(`Document ${view.documentId}`, {
        fields: {
          kind: view.kind ?? '-',
          head: view.head ?? '-',
          commits: view.commits,
          pending: view.pending,
          ...(view.unannouncedDropped ? { 'never announced': view.unannouncedDropped } : {}),
        },
      });
      printSection('Recent', {
        rows: view.recent.map((entry) => ({ ...entry, commitId: entry.commitId.slice(0, 12) })),
        columns: ['commitId', 'at', 'author', 'message'],
      });
      if (view.refused.length > 0)
        printSection('Refused', {
          rows: view.refused.map((entry) => ({ ...entry })),
          columns: ['at', 'author', 'outcome', 'reasons'],
        });
    });

  sync
    .command('list')
    .description('documents with a history, most recently changed first')
    .option('--kind <kind>', 'plan | budget | schedule | json')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (options: { kind?: string; limit: string; json?: boolean }) => {
      const filter = {
        limit: Number(options.limit),
        ...(options.kind === undefined ? {} : { kind: parseInput(documentKindSchema, options.kind, '--kind') }),
      };
      const documents = await withSync({ role: [] }, (ops) => ops.documents(filter));
      printTable(documents as never, ['documentId', 'kind', 'head', 'commits', 'updatedAt'], !!options.json);
    });

  sync
    .command('watch')
    .description("follow a document's commits as they land (the service's live stream, topic sync/<documentId>)")
    .argument('<documentId>')
    .option('--after <id>', 'begin after this audit event id (default: from now)')
    .option('--count <n>', 'exit after this many events')
    .option('--json', 'one JSON object a line: {id, at, topic, action, subject, workflowId, actor, data}')
    .action(async (documentId: string, options: { after?: string; count?: string; json?: boolean }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      await printStream(`/v1/sync/${encodeURIComponent(id)}/events`, {
        ...(options.after === undefined ? {} : { after: integerOption(options.after, '--after') }),
        ...(options.count === undefined ? {} : { count: integerOption(options.count, '--count', 1) }),
        json: !!options.json,
      });
    });

  sync
    .command('merge')
    .description(
      'merge a branch into head: a fast-forward when head is the merge base, else a merge commit (hooks run on it)',
    )
    .argument('<documentId>')
    .argument('<branch>')
    .requiredOption('-m, --message <text>', "the merge commit's message")
    .option('--request-id <id>', 'idempotency key: the same again answers the first result')
    .option('--as <userId>', 'who merges (direct mode, or a found service); through ARXFLOW_URL, the token subject')
    .option('--role <role>', 'a role to act with besides admin (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: {commitId, parents, documentId, stats, merged, fastForward?}')
    .action(async (documentId: string, branch: string, options: ChangeOptions & { message: string }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const body = {
        branch: parseInput(branchNameSchema, branch, 'branch'),
        message: options.message,
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      };
      const outcome = await withSync(options, (ops, caller) => ops.merge(id, body, caller));
      printCommitted(outcome, !!options.json);
    });

  registerBranchCommands(sync);
  registerHookCommands(sync);
}

/** `sync branch create|list|delete`: named branches of a document. */
function registerBranchCommands(sync: Command): void {
  const branch = sync
    .command('branch')
    .description('named branches of a document: create (editor), list, delete (admin)');
  branch
    .command('create')
    .description('create a branch at a commit (default head)')
    .argument('<documentId>')
    .argument('<name>', 'letters, digits, . _ - /; no "..", not head')
    .option('--at <commitId>', 'the commit it starts at (default head)')
    .option('--request-id <id>', 'idempotency key')
    .option('--as <userId>', 'who creates it (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with besides admin (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: {name, commitId, createdBy, at}')
    .action(async (documentId: string, name: string, options: ChangeOptions & { at?: string }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const body = {
        name: parseInput(branchNameSchema, name, 'name'),
        ...(options.at === undefined ? {} : { at: parseInput(commitIdSchema, options.at, '--at') }),
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      };
      const created = await withSync(options, (ops, caller) => ops.createBranch(id, body, caller));
      if (options.json) return console.log(JSON.stringify(created.branch, null, 2));
      console.log(`created branch ${created.branch.name} of ${id} at ${created.branch.commitId}`);
    });
  branch
    .command('list')
    .description("a document's branches (head left out)")
    .argument('<documentId>')
    .option('--json', 'print JSON: {branches: [{name, commitId, createdBy, at}]}')
    .action(async (documentId: string, options: { json?: boolean }) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const branches = await withSync({ role: [] }, (ops) => ops.branches(id));
      if (options.json) return console.log(JSON.stringify({ branches }, null, 2));
      printTable(branches as never, ['name', 'commitId', 'createdBy', 'at'], false);
    });
  branch
    .command('delete')
    .description('delete a branch (admin); its commits stay, head cannot be deleted')
    .argument('<documentId>')
    .argument('<name>')
    .option('--as <userId>', 'who deletes it (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON: the branch as it was')
    .action(async (documentId: string, name: string, options: ChangeOptions) => {
      const id = parseInput(documentIdSchema, documentId, 'documentId');
      const branchName = parseInput(branchNameSchema, name, 'name');
      const deleted = await withSync(options, (ops, caller) => ops.deleteBranch(id, branchName, caller));
      if (options.json) return console.log(JSON.stringify(deleted.branch, null, 2));
      console.log(`deleted branch ${deleted.branch.name} of ${id} (it was at ${deleted.branch.commitId})`);
    });
}

/** `--branch <name>` checked (exit 2 naming it), or undefined. */
function branchOption(name: string | undefined): string | undefined {
  return name === undefined ? undefined : parseInput(branchNameSchema, name, '--branch');
}

/** `sync hooks list|add|remove`: the external validation hooks (admin). */
function registerHookCommands(sync: Command): void {
  const hooks = sync.command('hooks').description('external validation hooks (admin): list, add, remove');
  hooks
    .command('list')
    .description('the hooks in the order they run (secrets are never shown)')
    .option('--as <userId>', 'who asks (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON')
    .action(async (options: ActingOptions & { json?: boolean }) => {
      const rows = await withSync(options, (ops, caller) => ops.listHooks(caller));
      printTable(
        rows as never,
        ['hookId', 'order', 'url', 'kinds', 'documents', 'timeoutMs', 'createdBy'],
        !!options.json,
      );
    });
  hooks
    .command('add')
    .description(
      'add a hook: each matching commit is POSTed to <url>, signed with the secret; it must answer {allow, reasons}',
    )
    .argument('<hookId>')
    .argument('<url>')
    .requiredOption('--secret <secret>', 'signs each request (x-arxflow-signature); at least 16 characters')
    .option('--kind <kind>', 'only documents of this kind (repeatable; default all)', collect, [] as string[])
    .option('--documents <glob>', 'only document ids matching this glob (* any run of characters)', '*')
    .option('--timeout <ms>', 'no answer within this many ms is a deny', '5000')
    .option('--order <n>', 'hooks run in ascending order', '100')
    .option('--as <userId>', 'who adds it (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON')
    .action(
      async (
        hookId: string,
        url: string,
        options: ActingOptions & {
          secret: string;
          kind: string[];
          documents: string;
          timeout: string;
          order: string;
          json?: boolean;
        },
      ) => {
        const body = {
          hookId: parseInput(hookIdSchema, hookId, 'hookId'),
          url,
          secret: options.secret,
          kinds: options.kind.map((kind) => parseInput(documentKindSchema, kind, '--kind')),
          documents: options.documents,
          timeoutMs: integerOption(options.timeout, '--timeout'),
          order: integerOption(options.order, '--order'),
        };
        const hook = await withSync(options, (ops, caller) => ops.addHook(body, caller));
        print(hook as never, !!options.json);
      },
    );
  hooks
    .command('remove')
    .description('remove a hook')
    .argument('<hookId>')
    .option('--as <userId>', 'who removes it (direct mode, or a found service)')
    .option('--role <role>', 'a role to act with (direct mode; repeatable)', collect, [] as string[])
    .option('--json', 'print JSON')
    .action(async (hookId: string, options: ActingOptions & { json?: boolean }) => {
      const id = parseInput(hookIdSchema, hookId, 'hookId');
      const removed = await withSync(options, (ops, caller) => ops.removeHook(id, caller));
      print({ hookId: id, ...removed }, !!options.json);
    });
}

/** A committed change as the contract prints it; a conflict or denial is exit 1 with its message. */
function printCommitted(outcome: CommitOutcome, json: boolean): void {
  if (outcome.outcome !== 'committed') throw new CliError(refusalMessage(outcome), EXIT.failed);
  const { commitId, parents, documentId, stats, merged, branch, fastForward } = outcome;
  if (json) {
    // The contract's fields; `branch` and `fastForward` only when they apply (a branch commit, a merge).
    const extra = { ...(branch === undefined ? {} : { branch }), ...(fastForward ? { fastForward } : {}) };
    console.log(JSON.stringify({ commitId, parents, documentId, stats, merged, ...extra }, null, 2));
    return;
  }
  if (fastForward) {
    console.log(`fast-forwarded ${documentId} to ${commitId}`);
    return;
  }
  const onto = branch === undefined ? documentId : `${documentId} branch ${branch}`;
  console.log(
    `${merged ? 'merged' : 'committed'} ${commitId} to ${onto} (${statsText(stats)}; parents ${parents.join(' ') || '-'})`,
  );
}

const statsText = (stats: { added: number; removed: number; changed: number } | undefined) =>
  stats ? `+${stats.added} -${stats.removed} ~${stats.changed}` : '-';

function integerOption(text: string, option: string, min = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new CliError(`${option}: must be a whole number of at least ${min} (got ${text})`, EXIT.badInput);
  return Number(text);
}

/** Through the gateway when there is one, else Temporal and the store (opened when first needed, closed after). */
async function withSync<T>(
  options: ActingOptions,
  work: (ops: SyncOperations, caller: Caller) => Promise<T>,
): Promise<T> {
  return withCliContext(async (ctx) => {
    const caller = acting(ctx, options);
    return syncOperationsIn(ctx, (ops) => work(ops, caller));
  });
}

/**
 * Document sync as the CLI reaches it (also `arxflow nlp run`): the gateway when there is one
 * (a found service: tokens minted for the caller), else Temporal and the settings' store.
 */
export async function syncOperationsIn<T>(ctx: CliContext, work: (ops: SyncOperations) => Promise<T>): Promise<T> {
  if (ctx.gateway) {
    const tokenFor = ctx.mintsTokens ? mintFor(ctx.settings) : undefined;
    return work(new HttpSyncOperations(ctx.gateway, tokenFor));
  }
  let store: Promise<Store> | undefined;
  const ops = new TemporalSyncOperations({
    client: async () => (await ctx.temporal()).client,
    taskQueue: ctx.settings.taskQueue,
    store: async () => new SyncStore((await (store ??= openSettingsStore(ctx.settings))).db),
    // The config file's limit (a broken file: exit 2 naming the field), read when a commit needs it.
    maxContentBytes: () => loadConfigFile(ctx.settings.configFile).sync.maxContentBytes,
  });
  try {
    return await work(ops);
  } finally {
    if (store) await (await store).close();
  }
}

/** Who acts: in direct mode and through a found service (the CLI mints a token per caller) `--as`/`--role` say; through ARXFLOW_URL, the token's subject. */
function acting(ctx: CliContext, options: ActingOptions): Caller {
  if (ctx.gateway && !ctx.mintsTokens) {
    if (options.as) throw new CliError("--as: through the gateway you act as your token's subject", EXIT.badInput);
    return ctx.caller;
  }
  return { subject: options.as ?? ctx.caller.subject, roles: [...ctx.caller.roles, ...options.role] };
}
