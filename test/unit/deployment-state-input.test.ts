import { deploymentInputSchema } from '../../domain/deploy/deployment-input';
import { DEPLOY_QUEUE_IDLE_MS, DeployQueue } from '../../domain/deploy/deployment-queue';
import { parseInput } from '../../domain/validation';
import { deploymentInput, sampleService } from '../workflows/fixtures/deploy-input';

describe('the deployment workflow input', () => {
  it('takes a start as the API prepares it, the service config checked with the config file schema', () => {
    const parsed = parseInput(deploymentInputSchema, deploymentInput(), 'deployment input');
    expect(parsed.config.environments.map((env) => env.name)).toEqual(['staging', 'production']);
    expect(parsed.version).toBe('1.2.0');
  });

  it('refuses a bad version, a bad config and a config of another service, naming each field', () => {
    expect(() => parseInput(deploymentInputSchema, deploymentInput({ version: 'v1.2.0' }), 'deployment input')).toThrow(
      'deployment input: version: must be a semantic version without "v": 1.2.0',
    );
    const badConfig = deploymentInput({ config: sampleService({ production: { steps: [10, 50] } }) });
    expect(() => parseInput(deploymentInputSchema, badConfig, 'deployment input')).toThrow(
      'deployment input: config.environments.1.steps.1: the last step must be 100',
    );
    const other = deploymentInput({ service: 'api' });
    expect(() => parseInput(deploymentInputSchema, other, 'deployment input')).toThrow(
      'deployment input: config.name: must be the service, api',
    );
    expect(() => parseInput(deploymentInputSchema, { ...deploymentInput(), whenBusy: 'later' }, 'x')).toThrow(
      /whenBusy/,
    );
  });
});

describe('DeployQueue', () => {
  it('runs one deployment at a time, the others in the order they joined, each told its place', () => {
    const queue = new DeployQueue({ service: 'web', environment: 'production' });
    expect(queue.enqueue('deploy/web/production/1.0.0')).toBe(true);
    expect(queue.enqueue('deploy/web/production/1.1.0')).toBe(true);
    expect(queue.enqueue('deploy/web/production/1.0.0')).toBe(false); // a retried join keeps its place
    expect(queue.places()).toEqual([
      { workflowId: 'deploy/web/production/1.0.0', position: 1 },
      { workflowId: 'deploy/web/production/1.1.0', position: 2, ahead: 'deploy/web/production/1.0.0' },
    ]);
    expect(queue.advance()).toBe('deploy/web/production/1.0.0');
    expect(queue.advance()).toBeUndefined(); // one at a time
    expect(queue.places().map((place) => place.position)).toEqual([0, 1]);
    expect(queue.done('deploy/web/production/1.0.0')).toBe(true);
    expect(queue.advance()).toBe('deploy/web/production/1.1.0');
    expect(queue.done('deploy/web/production/1.1.0')).toBe(true);
    expect(queue.empty).toBe(true);
    expect(queue.snapshot('web', 'production', DEPLOY_QUEUE_IDLE_MS)).toEqual({
      service: 'web',
      environment: 'production',
      waiting: [],
      idleAfterMs: DEPLOY_QUEUE_IDLE_MS,
    });
  });
});
