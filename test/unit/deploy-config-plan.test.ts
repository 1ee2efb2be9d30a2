import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import { resolveDeploymentTarget } from '../../domain/deploy/deploy-plan';
import { InputError } from '../../domain/validation';

const target = (port: number) => ({
  type: 'local',
  artifact: 'a/{{version}}',
  start: 'node s.js',
  port,
  slotPorts: [port + 1, port + 2],
});

const config = deploymentsConfigSchema.parse({
  services: [
    {
      name: 'example-web',
      environments: [
        { name: 'staging', target: target(8100) },
        { name: 'canary', after: 'staging', target: target(8200) },
        { name: 'production', after: 'canary', target: target(8300) },
      ],
    },
    { name: 'api', environments: [{ name: 'production', target: target(8400) }] },
  ],
});

/** The InputError's message and issues, or a failure when none is thrown. */
function refusal(service: string, environment?: string): { message: string; issues: unknown } {
  try {
    resolveDeploymentTarget(config, service, environment);
  } catch (err) {
    if (err instanceof InputError) return { message: err.message, issues: err.issues };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('resolveDeploymentTarget', () => {
  it('resolves the environment and the chain of environments before it', () => {
    const resolved = resolveDeploymentTarget(config, 'example-web', 'production');
    expect(resolved.service.name).toBe('example-web');
    expect(resolved.environment.name).toBe('production');
    expect(resolved.chain.map((env) => env.name)).toEqual(['staging', 'canary', 'production']);
    expect(resolveDeploymentTarget(config, 'example-web', 'canary').chain.map((env) => env.name)).toEqual([
      'staging',
      'canary',
    ]);
  });

  it("defaults to the service's first environment", () => {
    const resolved = resolveDeploymentTarget(config, 'example-web');
    expect(resolved.environment.name).toBe('staging');
    expect(resolved.chain.map((env) => env.name)).toEqual(['staging']);
    expect(resolveDeploymentTarget(config, 'api').chain.map((env) => env.name)).toEqual(['production']);
  });

  it('refuses an unknown service, naming the field and the known ones', () => {
    expect(refusal('x')).toEqual({
      message: 'service: unknown service "x" (known: example-web, api)',
      issues: [{ path: 'service', message: 'unknown service "x" (known: example-web, api)' }],
    });
    expect(() => resolveDeploymentTarget({ services: [] }, 'x')).toThrow(
      'service: unknown service "x" (none configured)',
    );
  });

  it('refuses an unknown environment, naming the field and the known ones', () => {
    expect(refusal('api', 'staging')).toEqual({
      message: 'environment: unknown environment "staging" of api (known: production)',
      issues: [{ path: 'environment', message: 'unknown environment "staging" of api (known: production)' }],
    });
  });
});
