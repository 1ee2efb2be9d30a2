/**
 * The arxflow the bad-input scenario fuzzes: a Temporal dev server, a fresh migrated store (PostgreSQL
 * when DATABASE_URL is set, as the dev-server test worlds) and the
 * real gateway on a free port (as test/support/gateway.ts starts it: real auth, the codec server),
 * with no worker, so a workflow a refused request started would stay there to be found. Its store
 * rows are counted straight from the tables and its workflows by describe: both strongly
 * consistent, unlike the visibility list right after fuzzing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ROLES } from '../../domain/roles';
import type { Store } from '../../db/store';
import { startDevServerEnv } from '../../test/support/temporal-env';
import { openWorldStore } from '../../test/support/store-backends';
import { startGateway, tokenFor } from '../../test/support/gateway';

export interface FuzzWorld {
  env: TestWorkflowEnvironment;
  store: Store;
  app: FastifyInstance;
  url: string;
  taskQueue: string;
  /** A token with every role: the role checks pass, so validation is what refuses. */
  token: string;
  /** A folder of this run's own (CLI data dir, files). */
  dir: string;
  /** Rows of every table of the store, by table. */
  rows(): Promise<Record<string, number>>;
  /** The ids among `ids` that name a workflow on the server (describe: strongly consistent). */
  existing(ids: Iterable<string>): Promise<string[]>;
  close(): Promise<void>;
}

export async function startFuzzWorld(): Promise<FuzzWorld> {
  const [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('the bad-input scenario')]);
  const taskQueue = `bad-input-${randomUUID()}`;
  let app: FastifyInstance;
  let url: string;
  try {
    ({ app, url } = await startGateway(env, store, taskQueue));
  } catch (err) {
    await env.teardown();
    await store.close();
    throw err;
  }
  const token = await tokenFor('fuzzer', ...ROLES);
  const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-bad-input-'));
  const tables = (
    await store.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).map((row) => row.name);
  // One query for all tables: it runs around every fuzzed request.
  const countSql = `SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t}")::int AS "${t}"`).join(', ')}`;
  return {
    env,
    store,
    app,
    url,
    taskQueue,
    token,
    dir,
    async rows() {
      const [row] = await store.db.query<Record<string, number>>(countSql);
      return Object.fromEntries(Object.entries(row ?? {}).map(([table, n]) => [table, Number(n)]));
    },
    async existing(ids) {
      const found: string[] = [];
      for (const id of ids) {
        try {
          await env.client.workflow.getHandle(id).describe();
          found.push(id);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return found;
    },
    async close() {
      await app.close();
      await env.teardown();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tables whose row counts differ between two counts, as `table +n`. */
export function rowChanges(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys({ ...before, ...after })
    .filter((table) => (before[table] ?? 0) !== (after[table] ?? 0))
    .map(
      (table) =>
        `${table} ${(after[table] ?? 0) - (before[table] ?? 0) > 0 ? '+' : ''}${(after[table] ?? 0) - (before[table] ?? 0)}`,
    );
}
