import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { pinnedVersions, REPO_ROOT } from '../../scripts/cluster-layout';
import { openPostgres } from '../../db/pg-database';
import { createScratchSchema, type ScratchSchema } from '../../db/scratch-schema';
import { requireDatabaseUrlUnderCi } from '../support/store-backends';

// deploy/helm/arxflow, checked without a cluster: the real Helm (built from its Go module by
// scripts/provision-helm.sh) lints and renders it, and every rendered object is validated against
// the Kubernetes OpenAPI schemas (scripts/validate-k8s-objects.js, the kubernetes-models package).

const CHART = path.join(REPO_ROOT, 'deploy', 'helm', 'arxflow');
const VALIDATOR = path.join(REPO_ROOT, 'scripts', 'validate-k8s-objects.js');

function helmBinary(): string {
  const script = readFileSync(path.join(REPO_ROOT, 'scripts', 'provision-helm.sh'), 'utf8');
  const version = /^HELM_VERSION="([^"]+)"/m.exec(script)?.[1];
  if (!version) throw new Error('scripts/provision-helm.sh has no HELM_VERSION="..." line');
  const toolsDir = process.env.ARXFLOW_TOOLS_DIR || path.join(REPO_ROOT, '.tools');
  return path.join(toolsDir, `helm-${version}`, 'helm');
}

interface Run {
  status: number | null;
  output: string;
}

function run(command: string, args: string[], input?: string): Run {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface Container {
  name: string;
  command: string[];
  env: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; volumes: { name: string; secret?: { secretName: string } }[] };
}

const objectsOf = (manifest: string): K8sObject[] =>
  parseAllDocuments(manifest)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind} ${o.metadata.name}`)}`);
  return object;
};
const podTemplate = (deployment: K8sObject) => deployment.spec!.template as PodTemplate;
const container = (deployment: K8sObject) => podTemplate(deployment).spec.containers[0]!;
const envOf = (deployment: K8sObject) => new Map(container(deployment).env.map((entry) => [entry.name, entry]));

describe('deploy/helm/arxflow', () => {
  const helm = helmBinary();
  let dir: string;
  const valuesFile = (name: string, values: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, stringify(values));
    return file;
  };

  beforeAll(() => {
    if (!existsSync(helm)) throw new Error(`${helm} is missing: bash scripts/provision-helm.sh builds it`);
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-helm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lints clean with its own defaults and renders two workers and two gateways that validate', () => {
    const lint = run(helm, ['lint', CHART]);
    expect(lint.output).toContain('0 chart(s) failed');
    expect(lint.status).toBe(0);

    const template = run(helm, ['template', 'arxflow', CHART]);
    expect(template.status).toBe(0);
    const objects = objectsOf(template.output);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'Deployment arxflow-gateway',
      'Deployment arxflow-worker',
      'Job arxflow-migrate',
      'PodDisruptionBudget arxflow-worker',
      'Service arxflow-gateway',
    ]);
    expect(find(objects, 'Deployment', 'arxflow-worker').spec!.replicas).toBe(2);
    expect(find(objects, 'Deployment', 'arxflow-gateway').spec!.replicas).toBe(2);
    // Secrets come from the Secret named `arxflow` the operator creates (no Secret rendered).
    expect(envOf(find(objects, 'Deployment', 'arxflow-worker')).get('DATABASE_URL')!.valueFrom!.secretKeyRef).toEqual({
      name: 'arxflow',
      key: 'DATABASE_URL',
    });

    const validation = run('node', [VALIDATOR], template.output);
    expect(validation.output.trim().split('\n')).toHaveLength(5);
    expect(validation.output).not.toMatch(/^(invalid|unknown)/m);
    expect(validation.status).toBe(0);
  });

  it('renders the objects the values ask for: replicas, Temporal and its mTLS, the Secret, the config file', () => {
    const values = valuesFile('production.yaml', {
      image: { repository: 'registry.example/arxflow', tag: '1.2.3' },
      temporal: {
        address: 'temporal-frontend.temporal.svc:7233',
        namespace: 'construction',
        taskQueue: 'arxflow',
        tls: { enabled: true, secretName: 'arxflow-temporal-client', serverName: 'temporal-frontend' },
      },
      secret: {
        existingSecret: '',
        create: true,
        values: {
          DATABASE_URL: 'postgres://arxflow:pw@postgresql.database.svc:5432/arxflow',
          ARXFLOW_AUDIT_KEY: 'a'.repeat(32),
          ARXFLOW_IDENTITY_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
          SMTP_URL: 'smtp://mail.example:25',
        },
      },
      configFile: 'schedules: []\n',
      env: { ARXFLOW_LOG_LEVEL: 'debug' },
      worker: { replicas: 3 },
      gateway: { replicas: 2, service: { port: 8088 } },
    });
    expect(run(helm, ['lint', CHART, '-f', values]).status).toBe(0);
    const template = run(helm, ['template', 'prod', CHART, '-f', values]);
    expect(template.status).toBe(0);
    const objects = objectsOf(template.output);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'ConfigMap prod-arxflow-config',
      'Deployment prod-arxflow-gateway',
      'Deployment prod-arxflow-worker',
      'Job prod-arxflow-migrate',
      'PodDisruptionBudget prod-arxflow-worker',
      'Secret prod-arxflow-secrets',
      'Service prod-arxflow-gateway',
    ]);

    const worker = find(objects, 'Deployment', 'prod-arxflow-worker');
    const gateway = find(objects, 'Deployment', 'prod-arxflow-gateway');
    expect(worker.spec!.replicas).toBe(3);
    expect(container(worker).command).toEqual(['node_modules/.bin/tsx', 'workers/main.ts']);
    expect(container(gateway).command).toEqual(['node_modules/.bin/tsx', 'scripts/cluster-gateway.ts']);
    for (const deployment of [worker, gateway]) {
      expect(container(deployment)).toMatchObject({ name: expect.any(String) });
      expect((podTemplate(deployment).spec.containers[0] as unknown as { image: string }).image).toBe(
        'registry.example/arxflow:1.2.3',
      );
      const env = envOf(deployment);
      expect(env.get('TEMPORAL_ADDRESS')!.value).toBe('temporal-frontend.temporal.svc:7233');
      expect(env.get('TEMPORAL_NAMESPACE')!.value).toBe('construction');
      expect(env.get('ARXFLOW_LOG_LEVEL')!.value).toBe('debug');
      for (const key of ['DATABASE_URL', 'ARXFLOW_AUDIT_KEY', 'ARXFLOW_IDENTITY_KEYS']) {
        expect(env.get(key)!.valueFrom!.secretKeyRef).toEqual({ name: 'prod-arxflow-secrets', key });
      }
      expect(env.get('ARXFLOW_JWT_SECRET')!.valueFrom!.secretKeyRef).toMatchObject({ optional: true });
      // mTLS through @temporalio/envconfig's variables, pointing into the mounted client certificate.
      const tlsMount = container(deployment).volumeMounts.find((mount) => mount.name === 'temporal-tls')!;
      expect(env.get('TEMPORAL_TLS_CLIENT_CERT_PATH')!.value).toBe(`${tlsMount.mountPath}/tls.crt`);
      expect(env.get('TEMPORAL_TLS_CLIENT_KEY_PATH')!.value).toBe(`${tlsMount.mountPath}/tls.key`);
      expect(env.get('TEMPORAL_TLS_SERVER_CA_CERT_PATH')!.value).toBe(`${tlsMount.mountPath}/ca.crt`);
      expect(env.get('TEMPORAL_TLS_SERVER_NAME')!.value).toBe('temporal-frontend');
      expect(podTemplate(deployment).spec.volumes).toContainEqual({
        name: 'temporal-tls',
        secret: { secretName: 'arxflow-temporal-client' },
      });
      const configMount = container(deployment).volumeMounts.find((mount) => mount.name === 'config')!;
      expect(env.get('ARXFLOW_CONFIG')!.value).toBe(`${configMount.mountPath}/arxflow.config.yaml`);
    }

    // The gateway: listens on all interfaces, ready on /readyz, alive on /healthz; the Service reaches exactly its pods.
    const gatewayEnv = envOf(gateway);
    expect(gatewayEnv.get('ARXFLOW_HOST')!.value).toBe('0.0.0.0');
    expect(container(gateway).ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container(gateway).readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container(gateway).livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const service = find(objects, 'Service', 'prod-arxflow-gateway');
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 8088, targetPort: 'http', protocol: 'TCP' }]);
    expect(podTemplate(gateway).metadata.labels).toMatchObject(service.spec!.selector as Record<string, string>);
    expect(podTemplate(worker).metadata.labels).not.toMatchObject(service.spec!.selector as Record<string, string>);

    expect(find(objects, 'Secret', 'prod-arxflow-secrets').stringData).toMatchObject({
      DATABASE_URL: 'postgres://arxflow:pw@postgresql.database.svc:5432/arxflow',
      SMTP_URL: 'smtp://mail.example:25',
    });
    expect(find(objects, 'ConfigMap', 'prod-arxflow-config').data).toEqual({
      'arxflow.config.yaml': 'schedules: []\n',
    });

    const validation = run('node', [VALIDATOR], template.output);
    expect(
      validation.output
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('valid ')),
    ).toHaveLength(7);
    expect(validation.status).toBe(0);
  });

  it('migrates the store once before workers and gateways start: a hook Job whose command migrates a new store', async () => {
    const template = run(helm, ['template', 'arxflow', CHART]);
    expect(template.status).toBe(0);
    const job = find(objectsOf(template.output), 'Job', 'arxflow-migrate') as K8sObject & {
      metadata: { annotations: Record<string, string> };
    };
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const [migrate] = (job.spec!.template as PodTemplate).spec.containers;
    expect(
      new Map(migrate!.env.map((entry) => [entry.name, entry])).get('DATABASE_URL')!.valueFrom!.secretKeyRef,
    ).toEqual({ name: 'arxflow', key: 'DATABASE_URL' });

    // The Job's own command, run here as the image would run it, on a new store.
    const dataDir = path.join(dir, 'migrate-data');
    const env: NodeJS.ProcessEnv = { ...process.env, ARXFLOW_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    let scratch: ScratchSchema | undefined;
    if (process.env.DATABASE_URL) {
      scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_test');
      env.DATABASE_URL = scratch.databaseUrl;
    } else requireDatabaseUrlUnderCi('the migration Job');
    try {
      const [command, ...args] = migrate!.command;
      const result = spawnSync(command!, args, { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('arxflow store migrated');
      expect(result.status).toBe(0);
      const migrations = readdirSync(path.join(REPO_ROOT, 'db', 'migrations')).filter((f) => f.endsWith('.sql'));
      if (scratch) {
        const db = await openPostgres(scratch.databaseUrl);
        try {
          const applied = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
          expect(applied.map((row) => row.name)).toEqual(migrations.sort());
        } finally {
          await db.close();
        }
      } else {
        expect(existsSync(path.join(dataDir, 'pglite'))).toBe(true);
      }
    } finally {
      await scratch?.drop();
    }

    // A Secret the chart creates must exist before the Job: a hook of lower weight. Without the Job, an ordinary Secret.
    const created = {
      existingSecret: '',
      create: true,
      values: {
        DATABASE_URL: 'postgres://x',
        ARXFLOW_AUDIT_KEY: 'a'.repeat(32),
        ARXFLOW_IDENTITY_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
      },
    };
    const withJob = objectsOf(
      run(helm, ['template', 'arxflow', CHART, '-f', valuesFile('created.yaml', { secret: created })]).output,
    );
    const secret = find(withJob, 'Secret', 'arxflow-secrets') as K8sObject & {
      metadata: { annotations: Record<string, string> };
    };
    expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
      Number((find(withJob, 'Job', 'arxflow-migrate') as typeof job).metadata.annotations['helm.sh/hook-weight']),
    );
    const withoutJob = objectsOf(
      run(helm, [
        'template',
        'arxflow',
        CHART,
        '-f',
        valuesFile('no-job.yaml', { secret: created, migrations: { job: false } }),
      ]).output,
    );
    expect(withoutJob.map((o) => o.kind)).not.toContain('Job');
    expect(find(withoutJob, 'Secret', 'arxflow-secrets').metadata).not.toHaveProperty('annotations');
  });

  it('runs commands that exist in this tree (the Dockerfile copies it whole)', () => {
    for (const file of ['workers/main.ts', 'scripts/cluster-gateway.ts']) {
      expect(existsSync(path.join(REPO_ROOT, file))).toBe(true);
    }
    expect(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(/^COPY \. \.$/m);
  });

  it('a bad values file fails: helm lint names the field, and the schemas name it in the rendered object', () => {
    const bad = valuesFile('bad.yaml', { worker: { replicas: 'two' } });
    const lint = run(helm, ['lint', CHART, '-f', bad]);
    expect(lint.status).not.toBe(0);
    expect(lint.output).toMatch(/worker.*replicas|replicas.*worker/);
    expect(lint.output).toMatch(/integer/);

    // Past the chart's own schema, the Kubernetes schema refuses the Deployment it renders.
    const template = run(helm, ['template', 'arxflow', CHART, '-f', bad, '--skip-schema-validation']);
    expect(template.status).toBe(0);
    const validation = run('node', [VALIDATOR], template.output);
    expect(validation.status).toBe(1);
    expect(validation.output).toMatch(/^invalid apps\/v1 Deployment arxflow-worker: .*spec\/replicas must be integer/m);
    expect(validation.output).toMatch(/^valid apps\/v1 Deployment arxflow-gateway$/m);
  });

  it("a required value left out fails lint with its name (the chart's schema; helm lint ignores a template's fail)", () => {
    const cases: [unknown, string][] = [
      [{ secret: { existingSecret: '', create: false } }, '/secret/existingSecret'],
      [{ secret: { existingSecret: '', create: true, values: { DATABASE_URL: 'postgres://x' } } }, 'ARXFLOW_AUDIT_KEY'],
      [{ temporal: { tls: { enabled: true } } }, '/temporal/tls/secretName'],
      [{ temporal: { address: 'temporal-frontend' } }, '/temporal/address'],
    ];
    for (const [index, [values, named]] of cases.entries()) {
      const lint = run(helm, ['lint', CHART, '-f', valuesFile(`missing-${index}.yaml`, values)]);
      expect({ named, status: lint.status }).toEqual({ named, status: 1 });
      expect(lint.output).toContain(named);
    }
  });
});

describe('deploy/helm/temporal-values.yaml (Temporal’s official chart)', () => {
  const values = parse(readFileSync(path.join(REPO_ROOT, 'deploy', 'helm', 'temporal-values.yaml'), 'utf8')) as {
    server: {
      image: { tag: string };
      config: { persistence: Record<string, { driver?: string; sql?: { driver: string; database: string } }> };
    };
    web: { image: { tag: string } };
    admintools: { image: { tag: string } };
  };

  it('runs the Temporal Server and Web UI versions npm run cluster and temporal-dev.yml run', () => {
    const pinned = pinnedVersions();
    expect(values.server.image.tag).toBe(pinned.server.slice(1));
    expect(values.admintools.image.tag.startsWith(`${pinned.server.slice(1)}-`)).toBe(true);
    expect(values.web.image.tag).toBe(pinned.uiServer.slice(1));
  });

  it('keeps both stores on PostgreSQL with the postgres12 plugin, in two databases', () => {
    const { default: main, visibility } = values.server.config.persistence;
    expect(main).toMatchObject({ driver: 'sql', sql: { driver: 'postgres12', database: 'temporal' } });
    expect(visibility).toMatchObject({ driver: 'sql', sql: { driver: 'postgres12', database: 'temporal_visibility' } });
  });
});
