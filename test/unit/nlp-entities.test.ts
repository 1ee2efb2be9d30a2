import {
  findAlertId,
  findCommitId,
  findDocumentId,
  findPlanId,
  findProjectId,
  findRef,
  findRepo,
  findVersion,
} from '../../domain/nlp/entities/identifiers';
import { findMoney } from '../../domain/nlp/entities/money';
import { parseNumeral, readNumberWords } from '../../domain/nlp/entities/numbers';
import { localEngine } from '../../domain/nlp/local-engine';

/** Entity formats of issue #16, one block per format; the engine's args are what the schemas accept. */
const args = (text: string) => localEngine(text).args;

describe('project ids: PROJ-7, any case in text, upper case in args', () => {
  it.each([
    ['status of milestone 3 of PROJ-7', 'PROJ-7'],
    ['status of milestone 3 of proj-7', 'PROJ-7'],
    ['status of milestone 3 of Proj-12', 'PROJ-12'],
    ['status of milestone 3 of project acme-4', 'ACME-4'],
    ['ABC-99 milestone 1 status', 'ABC-99'],
  ])('%s', (text, projectId) => expect(args(text).projectId).toBe(projectId));

  it('a lower-case name with a number is a service, not a project; PLAN-/DOC- ids are not projects', () => {
    expect(findProjectId('deploy web-1 1.2.0')).toBeUndefined();
    expect(findProjectId('check PLAN-12')).toBeUndefined();
    expect(findProjectId('log of DOC-4')).toBeUndefined();
  });
});

describe('milestones: M3', () => {
  it.each([
    ['milestone 3', 'M3'],
    ['m3', 'M3'],
    ['M12', 'M12'],
    ['milestone #4', 'M4'],
    ['third milestone', 'M3'],
    ['the second milestone', 'M2'],
    ['milestone two', 'M2'],
    ['milestone number five', 'M5'],
    ['hito 3', 'M3'],
    ['hito tres', 'M3'],
    ['tercer hito', 'M3'],
    ['el hito número 7', 'M7'],
    ['milestone twenty one', 'M21'],
    ['4th milestone', 'M4'],
  ])('"%s of PROJ-7" -> %s', (phrase, milestoneId) =>
    expect(args(`status of ${phrase} of PROJ-7`).milestoneId).toBe(milestoneId),
  );
});

describe('money: integer minor units', () => {
  it.each([
    ['$12,500', 1250000],
    ['12.5k', 1250000],
    ['8000 dollars', 800000],
    ['$3,000.50', 300050],
    ['2.5 million dollars', 250000000],
    ['$2.5m', 250000000],
    ['12.500 dólares', 1250000],
    ['2,5 millones de dólares', 250000000],
    ['USD 700', 70000],
    ['for 12500', 1250000],
    ['por 900', 90000],
    ['$0.99', 99],
    ['3 grand', 300000],
  ])('%s -> %d', (money, cents) => expect(findMoney(`approve it ${money}`)?.value).toBe(cents));

  it('spelled-out amounts with a currency word, English and Spanish', () => {
    expect(args('approve milestone 3 of PROJ-7 for twelve thousand five hundred dollars').amount).toBe(1250000);
    expect(args('aprueba el hito 3 de PROJ-7 por doce mil dólares').amount).toBe(1200000);
  });

  it('a bare number is not money ("milestone 3"), nor a version', () => {
    expect(findMoney('approve milestone 3 of PROJ-7')).toBeUndefined();
    expect(findMoney('deploy checkout 1.4.2')).toBeUndefined();
    expect(args('approve milestone 3 of PROJ-7')).toEqual({ projectId: 'PROJ-7', milestoneId: 'M3' });
  });

  it('numerals in either convention', () => {
    expect(parseNumeral('12,500')).toBe(12500);
    expect(parseNumeral('12.500')).toBe(12500);
    expect(parseNumeral('3.000,50')).toBe(3000.5);
    expect(parseNumeral('2,5')).toBe(2.5);
    expect(parseNumeral('1,2,3')).toBeUndefined();
    expect(readNumberWords(['dos', 'mil', 'quinientos'], 0)).toEqual({ value: 2500, length: 3 });
    expect(readNumberWords(['one', 'hundred', 'and', 'five'], 0)).toEqual({ value: 105, length: 4 });
    expect(readNumberWords(['mil'], 0)).toBeUndefined();
  });
});

describe('services lower case; versions without v; environments', () => {
  it.each([
    ['deploy Checkout v1.4.2 to prod', { service: 'checkout', version: '1.4.2', environment: 'production' }],
    [
      'deploy checkout-api 2.0.0-rc.1 to live',
      { service: 'checkout-api', version: '2.0.0-rc.1', environment: 'production' },
    ],
    ['ship billing 1.2 to stage', { service: 'billing', version: '1.2', environment: 'staging' }],
    ['deploy search 3.1.0 on staging', { service: 'search', version: '3.1.0', environment: 'staging' }],
    ['despliega checkout 1.4.2 en producción', { service: 'checkout', version: '1.4.2', environment: 'production' }],
    ['deploy checkout 1.4.2', { service: 'checkout', version: '1.4.2' }],
  ])('%s', (text, expected) => expect(args(text)).toEqual(expected));

  it('versions', () => {
    expect(findVersion('v1.4.2')?.value).toBe('1.4.2');
    expect(findVersion('version 7')?.value).toBe('7');
    expect(findVersion('versión 1.0.0')?.value).toBe('1.0.0');
    expect(findVersion('milestone 3')).toBeUndefined();
  });
});

describe('plan, document, commit, repo, ref, alert ids', () => {
  it('plan ids PLAN-... upper case', () => {
    expect(findPlanId('check plan-12a')?.value).toBe('PLAN-12A');
    expect(findPlanId('check PLAN-2024-07')?.value).toBe('PLAN-2024-07');
    expect(findPlanId('check plan 12')?.value).toBe('PLAN-12');
    expect(findPlanId('the compliance plan')).toBeUndefined();
  });

  it('document ids DOC-... upper case', () => {
    expect(findDocumentId('log of doc-4')?.value).toBe('DOC-4');
    expect(findDocumentId('history of document 9')?.value).toBe('DOC-9');
    expect(findDocumentId('historial del documento DOC-X1')?.value).toBe('DOC-X1');
  });

  it('commit ids as lower-case hex prefixes of 7+ characters', () => {
    expect(findCommitId('revert DOC-4 to 3F9A2C1')?.value).toBe('3f9a2c1');
    expect(findCommitId('revert to commit deadbeef')?.value).toBe('deadbeef');
    expect(findCommitId('revert to abc12')).toBeUndefined();
    expect(findCommitId('the defaced wall')).toBeUndefined();
  });

  it('repositories owner/name and refs as written', () => {
    const text = 'run the pipeline for Acme/Web-App on Feature/Login-2';
    const repo = findRepo(text);
    expect(repo?.value).toBe('Acme/Web-App');
    expect(findRef(text, repo)?.value).toBe('Feature/Login-2');
    expect(findRef('build acme/web please', findRepo('build acme/web please'))).toBeUndefined();
    expect(findRef('branch release-1.2 of acme/web')?.value).toBe('release-1.2');
    expect(args('ejecuta el pipeline de acme/api en la rama develop')).toEqual({ repo: 'acme/api', ref: 'develop' });
    expect(args('did the acme/web pipeline pass on main')).toEqual({ repo: 'acme/web', ref: 'main' });
    expect(args('run the pipeline on acme/web please')).toEqual({ repo: 'acme/web' });
  });

  it('alert ids as written', () => {
    expect(findAlertId('ack ALERT-42')?.value).toBe('ALERT-42');
    expect(findAlertId('resolve alert #1234')?.value).toBe('1234');
    expect(findAlertId('ack the checkout alert')).toBeUndefined();
  });
});

describe('alert statuses, severities, workflow statuses', () => {
  it.each([
    ['show open critical alerts for checkout', { status: 'open', severity: 'critical', service: 'checkout' }],
    ['list warning alerts', { severity: 'warning' }],
    ['list resolved alerts for billing', { status: 'resolved', service: 'billing' }],
    ['lista las alertas críticas abiertas', { severity: 'critical', status: 'open' }],
  ])('%s', (text, expected) => expect(args(text)).toEqual(expected));

  it.each([
    ['list failed workflows for PROJ-3', { projectId: 'PROJ-3', status: 'failed' }],
    ['show workflows that timed out', { status: 'timed_out' }],
    ['lista los flujos en curso', { status: 'running' }],
  ])('%s', (text, expected) => expect(args(text)).toEqual(expected));
});
