import { isVersion, versionProblem, versionSchema } from '../../domain/deploy/versions';
import { renderTemplate, templateProblem, templateVariables } from '../../domain/deploy/templates';
import { InputError, parseInput } from '../../domain/validation';

describe('deployable versions', () => {
  it.each([
    '1.4.2',
    '0.0.1',
    '2.0.0-rc.1',
    '1.0.0-alpha.beta.1',
    '1.0.0+build.7',
    '1.0.0-rc.1+sha.5114f85',
    '10.20.30',
  ])('accepts %s', (version) => {
    expect(versionSchema.parse(version)).toBe(version);
    expect(isVersion(version)).toBe(true);
  });

  it.each([
    ['1.4', '"1.4" is not a semantic version such as 1.4.2 or 2.0.0-rc.1'],
    ['01.4.2', 'is not a semantic version'],
    ['1.4.2-01', 'is not a semantic version'],
    ['1.4.2-', 'is not a semantic version'],
    ['latest', 'is not a semantic version'],
    ['1.4.2/../../etc', 'is not a semantic version'],
    ['1.4.2 ', 'is not a semantic version'],
    ['v1.4.2', 'must be a semantic version without "v": 1.4.2'],
    [`1.0.0-${'a'.repeat(60)}`, 'must be at most 64 characters'],
  ])('refuses %p', (version, problem) => {
    expect(versionProblem(version)).toContain(problem);
    expect(isVersion(version)).toBe(false);
  });

  it('names the field when a request carries a bad version', () => {
    expect(() => parseInput(versionSchema, 'v2', 'version')).toThrow(InputError);
    expect(() => parseInput(versionSchema, 'v2', 'version')).toThrow('version: (root): "v2" is not a semantic version');
    expect(() => parseInput(versionSchema, 7, 'version')).toThrow('must be a semantic version such as 1.4.2');
  });
});

describe('deployment templates', () => {
  const vars = { service: 'example-web', environment: 'staging', version: '1.1.0', baseUrl: 'http://127.0.0.1:8101' };

  it('renders {{name}} and {{ name }}, a missing value as empty', () => {
    expect(renderTemplate('{{baseUrl}}/healthz?v={{ version }}', vars)).toBe('http://127.0.0.1:8101/healthz?v=1.1.0');
    expect(renderTemplate('from {{previousVersion}} to {{version}}', vars)).toBe('from  to 1.1.0');
    expect(renderTemplate('job="{{service}}-{{environment}}"', vars)).toBe('job="example-web-staging"');
    expect(renderTemplate('no placeholders', vars)).toBe('no placeholders');
  });

  it('lists the variables a template uses, each once', () => {
    expect(templateVariables('{{service}}:{{version}} {{ service }} {{host}}')).toEqual(['service', 'version', 'host']);
    expect(templateVariables('plain')).toEqual([]);
  });

  it('names unknown variables', () => {
    expect(templateProblem('{{baseUrl}}/x')).toBeUndefined();
    expect(templateProblem('{{host}}/{{port}}')).toBe(
      'unknown template variable {{host}}, {{port}} (known: {{service}} {{environment}} {{version}} {{previousVersion}} {{baseUrl}} {{publicUrl}})',
    );
    expect(templateProblem('{{baseUrl}}', ['version'])).toContain('unknown template variable {{baseUrl}}');
  });
});
