import { performance } from 'node:perf_hooks';
import { CONFIDENCE_THRESHOLD, localEngine } from '../../domain/nlp/local-engine';
import { INTENT_ARGS, INTENTS, type Intent } from '../../domain/nlp/nlp-types';

/** Issue #16, local engine: every intent in English and Spanish, typos, filler, unknowns, determinism, speed. */
const CASES: readonly [string, Intent, Record<string, unknown>][] = [
  ['what is the status of milestone 3 of PROJ-7', 'funding.status', { projectId: 'PROJ-7', milestoneId: 'M3' }],
  ['¿cómo va el hito 2 de PROJ-7?', 'funding.status', { projectId: 'PROJ-7', milestoneId: 'M2' }],
  [
    'approve milestone 3 of PROJ-7 for $12,500',
    'funding.approve',
    { projectId: 'PROJ-7', milestoneId: 'M3', amount: 1250000 },
  ],
  [
    'aprueba el hito 3 de PROJ-7 por 12.5k',
    'funding.approve',
    { projectId: 'PROJ-7', milestoneId: 'M3', amount: 1250000 },
  ],
  ['reject the third milestone of proj-9', 'funding.reject', { projectId: 'PROJ-9', milestoneId: 'M3' }],
  ['rechaza el tercer hito de PROJ-9', 'funding.reject', { projectId: 'PROJ-9', milestoneId: 'M3' }],
  [
    'show me the open critical alerts for payments',
    'alerts.list',
    { status: 'open', severity: 'critical', service: 'payments' },
  ],
  ['lista las alertas de checkout', 'alerts.list', { service: 'checkout' }],
  ['ack the checkout alert', 'alerts.ack', { service: 'checkout' }],
  ['reconoce la alerta ALERT-42', 'alerts.ack', { alertId: 'ALERT-42' }],
  ['resolve the checkout alert', 'alerts.resolve', { service: 'checkout' }],
  ['resuelve la alerta de checkout', 'alerts.resolve', { service: 'checkout' }],
  ['mark the checkout alert as resolved', 'alerts.resolve', { service: 'checkout' }],
  [
    'deploy checkout v1.4.2 to prod',
    'deploy.start',
    { service: 'checkout', version: '1.4.2', environment: 'production' },
  ],
  [
    'despliega checkout 1.4.2 en producción',
    'deploy.start',
    { service: 'checkout', version: '1.4.2', environment: 'production' },
  ],
  ['approve the checkout 1.4.2 deployment', 'deploy.approve', { service: 'checkout', version: '1.4.2' }],
  ['aprueba el despliegue de checkout 1.4.2', 'deploy.approve', { service: 'checkout', version: '1.4.2' }],
  ['roll back checkout to 1.4.1', 'deploy.rollback', { service: 'checkout', version: '1.4.1' }],
  ['haz rollback de checkout', 'deploy.rollback', { service: 'checkout' }],
  ['how is the checkout deploy going', 'deploy.status', { service: 'checkout' }],
  ['estado del despliegue de checkout', 'deploy.status', { service: 'checkout' }],
  ['run a compliance check on PLAN-12', 'compliance.check', { planId: 'PLAN-12' }],
  ['verifica el cumplimiento del plan PLAN-3', 'compliance.check', { planId: 'PLAN-3' }],
  ['compliance status of plan-12', 'compliance.status', { planId: 'PLAN-12' }],
  ['estado de cumplimiento de PLAN-12', 'compliance.status', { planId: 'PLAN-12' }],
  ['show the history of DOC-4', 'sync.log', { documentId: 'DOC-4' }],
  ['historial del documento DOC-4', 'sync.log', { documentId: 'DOC-4' }],
  ['revert DOC-4 to commit 3f9a2c1', 'sync.revert', { documentId: 'DOC-4', commitId: '3f9a2c1' }],
  ['revierte el documento DOC-7 al commit abc12345', 'sync.revert', { documentId: 'DOC-7', commitId: 'abc12345' }],
  ['run the pipeline for acme/web on main', 'pipeline.run', { repo: 'acme/web', ref: 'main' }],
  ['ejecuta el pipeline de acme/api en la rama develop', 'pipeline.run', { repo: 'acme/api', ref: 'develop' }],
  [
    'status of the build for acme/web on branch feature/login',
    'pipeline.status',
    { repo: 'acme/web', ref: 'feature/login' },
  ],
  ['estado del pipeline de acme/web', 'pipeline.status', { repo: 'acme/web' }],
  ['list running workflows for PROJ-7', 'workflows.list', { projectId: 'PROJ-7', status: 'running' }],
  ['lista los flujos fallidos del proyecto PROJ-3', 'workflows.list', { projectId: 'PROJ-3', status: 'failed' }],
];

describe('local engine', () => {
  it.each(CASES)('%s -> %s', (text, intent, args) => {
    const answer = localEngine(text);
    expect({ intent: answer.intent, args: answer.args }).toEqual({ intent, args });
    expect(answer.confidence).toBeGreaterThanOrEqual(CONFIDENCE_THRESHOLD);
    expect(INTENT_ARGS[answer.intent].safeParse(answer.args).success).toBe(true);
  });

  it('covers every intent in both languages', () => {
    const covered = new Set(CASES.map(([, intent]) => intent));
    expect(INTENTS.filter((intent) => intent !== 'unknown' && !covered.has(intent))).toEqual([]);
  });

  it.each([
    ['pls ackowledge the checkout alert', 'alerts.ack', { service: 'checkout' }],
    ["hey can you ack the checkout alert, i'm on it", 'alerts.ack', { service: 'checkout' }],
    ['aprove milestone 3 of PROJ-7', 'funding.approve', { projectId: 'PROJ-7', milestoneId: 'M3' }],
    ['rolback checkout', 'deploy.rollback', { service: 'checkout' }],
    [
      'deplyo checkout 1.4.3 to stage',
      'deploy.start',
      { service: 'checkout', version: '1.4.3', environment: 'staging' },
    ],
    ['could you please quickly show the pipleine status for acme/web thx', 'pipeline.status', { repo: 'acme/web' }],
    [
      'oye, por favor despliega checkout 2.0.0 en staging',
      'deploy.start',
      { service: 'checkout', version: '2.0.0', environment: 'staging' },
    ],
    ['show the histroy of DOC-4 asap', 'sync.log', { documentId: 'DOC-4' }],
    ["i'll take the checkout page", 'alerts.ack', { service: 'checkout' }],
    ['revert checkout to the previous version', 'deploy.rollback', { service: 'checkout' }],
    ['what version of checkout is running', 'deploy.status', { service: 'checkout' }],
    ['lsit critical alerts', 'alerts.list', { severity: 'critical' }],
    ['ugh the checkout alert again, ack it pls', 'alerts.ack', { service: 'checkout' }],
    ['deshaz el último despliegue de pagos', 'deploy.rollback', { service: 'pagos' }],
    [
      'por favor, ¿puedes mostrar las alertas críticas de pagos?',
      'alerts.list',
      { severity: 'critical', service: 'pagos' },
    ],
  ])('typos and filler: %s', (text, intent, args) => {
    const answer = localEngine(text);
    expect({ intent: answer.intent, args: answer.args }).toEqual({ intent, args });
  });

  it.each([
    '',
    '   ',
    'delete everything',
    'drop the production database',
    'borra todo',
    "what's the weather like today",
    'tell me a joke',
    'restart the server',
    'hola',
    "i'm on it",
    'ack',
  ])('unknown, never a guess that runs: %j', (text) => {
    const answer = localEngine(text);
    expect(answer).toMatchObject({ intent: 'unknown', args: {}, confidence: 0 });
    expect(answer.warnings?.length).toBeGreaterThan(0);
  });

  it.each([
    // a question asks about state: the action a word only implies does not apply
    ['is the acme/web build red?', 'pipeline.status', { repo: 'acme/web' }],
    ['build acme/web', 'pipeline.run', { repo: 'acme/web' }],
    ['was milestone 2 of PROJ-4 released?', 'funding.status', { projectId: 'PROJ-4', milestoneId: 'M2' }],
    ['release milestone 2 of PROJ-4', 'funding.approve', { projectId: 'PROJ-4', milestoneId: 'M2' }],
    ['release billing 1.0.1', 'deploy.start', { service: 'billing', version: '1.0.1' }],
    ['deployment of billing 1.0.1', 'deploy.start', { service: 'billing', version: '1.0.1' }],
    // a negated action is not requested
    ["don't approve, reject milestone 1 of PROJ-2", 'funding.reject', { projectId: 'PROJ-2', milestoneId: 'M1' }],
    // ids with words in them; a document whose name holds "plan" is a document
    ['history of doc-roof-plan-3', 'sync.log', { documentId: 'DOC-ROOF-PLAN-3' }],
    ['check plan-site-b', 'compliance.check', { planId: 'PLAN-SITE-B' }],
    ['reset DOC-9 to cafe123', 'sync.revert', { documentId: 'DOC-9', commitId: 'cafe123' }],
    // the bare word after the repo is its branch unless the engine knows the word
    ['pipeline status acme/api hotfix-9', 'pipeline.status', { repo: 'acme/api', ref: 'hotfix-9' }],
    ['pipeline status acme/api please', 'pipeline.status', { repo: 'acme/api' }],
    ['ack the alert', 'alerts.ack', {}],
  ])('%s -> %s', (text, intent, args) => {
    const answer = localEngine(text);
    expect({ intent: answer.intent, args: answer.args }).toEqual({ intent, args });
  });

  it('a destructive verb makes it unknown even inside an arxflow area', () => {
    expect(localEngine('delete the checkout alert').intent).toBe('unknown');
    expect(localEngine('elimina el hito 3 de PROJ-7').intent).toBe('unknown');
  });

  it('says what is missing when the text names an intent without its required args', () => {
    const answer = localEngine('approve milestone 3');
    expect(answer.intent).toBe('funding.approve');
    expect(answer.args).toEqual({ milestoneId: 'M3' });
    expect(answer.warnings).toEqual(['missing projectId']);
    expect(INTENT_ARGS['funding.approve'].safeParse(answer.args).success).toBe(false);
  });

  it('a text about two areas at once is below the threshold', () => {
    // a plan id and a document id weigh the same: no way to tell compliance from sync
    const answer = localEngine('PLAN-3 DOC-4');
    expect(answer.intent).toBe('unknown');
    expect(answer.warnings?.[0]).toMatch(/low confidence/);
  });

  it('is deterministic: the same text gives the same answer, in any order', () => {
    const texts = CASES.map(([text]) => text);
    const first = texts.map(localEngine);
    const again = [...texts].reverse().map(localEngine).reverse();
    expect(again).toEqual(first);
  });

  it('bounds the work on a long text and non-string input', () => {
    expect(localEngine('ack the checkout alert '.repeat(5000)).intent).toBe('alerts.ack');
    expect(localEngine(undefined as unknown as string).intent).toBe('unknown');
  });

  it('answers in milliseconds (the bench measures p99 < 5 ms; here a loose bound for a loaded machine)', () => {
    const texts = CASES.map(([text]) => text);
    for (const text of texts) localEngine(text); // warm-up
    const times: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (const text of texts) {
        const start = performance.now();
        localEngine(text);
        times.push(performance.now() - start);
      }
    }
    times.sort((a, b) => a - b);
    const p99 = times[Math.floor(times.length * 0.99)]!;
    expect(p99).toBeLessThan(50);
  });
});
