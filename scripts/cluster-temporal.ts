// Temporal Server on the cluster's PostgreSQL: the official schemas applied with the official
// tool (temporal-sql-tool), the server started from config/temporal/, then the namespace and
// arxflow's search attributes registered through the server's own APIs.
import { execFileSync } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARXFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { ClusterTools } from './cluster-layout';
import { psql } from './cluster-postgres';
import { assertPortFree } from '../platform/ports';
import type { stateFiles } from './cluster-layout';

type Files = ReturnType<typeof stateFiles>;

const SQL_DATABASES = [
  { database: 'temporal', schema: 'temporal' },
  { database: 'temporal_visibility', schema: 'visibility' },
] as const;

/**
 * Creates Temporal's two databases and applies the schemas: `setup-schema -v 0.0` on a new
 * database, then `update-schema` up to the newest versioned folder (on every start: a no-op when
 * current, the migration after a version bump).
 */
export function applySchemas(tools: ClusterTools, files: Files, port: number, password: string): void {
  const connect = ['--ep', '127.0.0.1', '-p', String(port), '-u', 'temporal', '--pw', password, '--pl', 'postgres12'];
  const run = (args: string[]) => {
    try {
      execFileSync(tools.sqlTool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const { stderr, stdout } = err as { stderr?: string; stdout?: string };
      throw new Error(`temporal-sql-tool ${args.filter((a) => a !== password).join(' ')} failed:\n${stderr || stdout}`);
    }
  };
  for (const { database, schema } of SQL_DATABASES) {
    const exists = psql(files, port, `SELECT 1 FROM pg_database WHERE datname = '${database}'`) === '1';
    if (!exists) {
      run([...connect, '--db', database, 'create-database']);
      run([...connect, '--db', database, 'setup-schema', '-v', '0.0']);
    }
    run([...connect, '--db', database, 'update-schema', '-d', `${tools.schemaDir}/${schema}/versioned`]);
  }
}

/** The four services of a Temporal cluster; one process runs them all unless split. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;

/** Waits until the frontend answers GetSystemInfo; throws with `describeFailure()` when `gaveUp()` or after the timeout. */
export async function waitForFrontend(
  address: string,
  timeoutMs: number,
  gaveUp: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const reason = gaveUp();
    if (reason) throw new Error(reason);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = (err as Error).message;
      await sleep(500);
    }
  }
  throw new Error(`Temporal frontend ${address} did not answer within ${timeoutMs / 1000} s: ${last}`);
}

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

const GRPC_ALREADY_EXISTS = 6;

/**
 * The namespace (7 days' retention of closed workflows) and arxflow's search attributes
 * (workflows/search-attributes.ts, the list the dev server registers). Both idempotent. A
 * namespace is usable only once the frontends' namespace cache has it, so adding the
 * attributes is retried until it is.
 */
export async function registerNamespace(address: string, namespace: string, timeoutMs = 60_000): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('7 days'),
        description: 'arxflow (npm run cluster)',
      });
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = ARXFLOW_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
        if (missing.length === 0) return ARXFLOW_SEARCH_ATTRIBUTES.map((key) => key.name);
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPE[key.type]!])),
        });
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`cannot register search attributes in namespace ${namespace}: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * A free port from 20000 to 32767, for Temporal's services: it keeps their ports in a SMALLINT
 * column (cluster_membership.rpc_port), and Linux hands out ephemeral ports from 32768 up
 * (the server then dies with "value ... is out of range for type smallint").
 */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const candidate = 20000 + Math.floor(Math.random() * 12768);
    if (
      await assertPortFree(candidate, '127.0.0.1', '', '').then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
}
