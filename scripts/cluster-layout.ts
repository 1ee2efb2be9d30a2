// Where `npm run cluster`'s tools, config and state live. The versions are read from
// scripts/provision-temporal-server.sh, their one place (it installs them; the compose test
// compares them with temporal-dev.yml).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
const PROVISION_SCRIPT = path.join(REPO_ROOT, 'scripts', 'provision-temporal-server.sh');

/** A `NAME="value"` assignment of the provisioning script. */
function pinned(name: string): string {
  const match = new RegExp(`^${name}="([^"]+)"`, 'm').exec(readFileSync(PROVISION_SCRIPT, 'utf8'));
  if (!match) throw new Error(`${PROVISION_SCRIPT} has no ${name}="..." line`);
  return match[1]!;
}

export interface PinnedVersions {
  /** go.temporal.io/server, e.g. v1.29.1 */
  server: string;
  /** github.com/temporalio/ui-server/v2, e.g. v2.42.1 */
  uiServer: string;
}

export function pinnedVersions(): PinnedVersions {
  return { server: pinned('TEMPORAL_SERVER_VERSION'), uiServer: pinned('TEMPORAL_UI_SERVER_VERSION') };
}

export interface ClusterTools {
  temporalServer: string;
  sqlTool: string;
  uiServer: string;
  /** schema/postgresql/v12 of the server's module: temporal/ and visibility/, each with versioned/ */
  schemaDir: string;
}

export function clusterTools(env: NodeJS.ProcessEnv = process.env): ClusterTools {
  const toolsDir = env.ARXFLOW_TOOLS_DIR || path.join(REPO_ROOT, '.tools');
  const { server, uiServer } = pinnedVersions();
  const serverDir = path.join(toolsDir, `temporal-server-${server}`);
  return {
    temporalServer: path.join(serverDir, 'bin', 'temporal-server'),
    sqlTool: path.join(serverDir, 'bin', 'temporal-sql-tool'),
    uiServer: path.join(toolsDir, `temporal-ui-server-${uiServer}`, 'temporal-ui-server'),
    schemaDir: path.join(serverDir, 'schema', 'postgresql', 'v12'),
  };
}

/** The config files kept in the repository (config/temporal/). */
export const CONFIG_DIR = path.join(REPO_ROOT, 'config', 'temporal');
export const SERVER_CONFIG_ENV = 'development-postgres'; // config/temporal/development-postgres.yaml
export const DYNAMIC_CONFIG = path.join(CONFIG_DIR, 'dynamicconfig', 'development-postgres.yaml');
export const UI_CONFIG_DIR = path.join(CONFIG_DIR, 'ui');
export const UI_CONFIG_ENV = 'cluster'; // config/temporal/ui/cluster.yaml

/** The cluster's state inside its data dir. */
export function stateFiles(dataDir: string) {
  const root = path.resolve(dataDir);
  return {
    root,
    postgres: path.join(root, 'postgres'),
    postgresSocketDir: path.join(root, 'postgres-run'),
    logs: path.join(root, 'logs'),
    pids: path.join(root, 'pids'),
    /** Ports and passwords of this cluster: written at first start, mode 600. */
    secrets: path.join(root, 'cluster-secrets.json'),
    /** What runs where, for `npm run cluster` when it already runs, and for the tests. */
    state: path.join(root, 'cluster.json'),
  };
}
