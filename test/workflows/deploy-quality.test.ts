import { repoKeyOf } from '../../domain/pipelines/repo-key';
import type { ServiceConfig } from '../../domain/deploy/deploy-types';
import { createGitRepo, type GitRepo } from '../support/git-repo';
import type { RecordingKubectl } from '../support/recording-kubectl';
import { useTimeSkippingWorld } from '../support/temporal-env';
import {
  deployInput,
  kubectlEnvironment,
  servingKubectl,
  stagesOf,
  startDeployment,
  startTestService,
  withWorker,
  type TestService,
} from './fixtures/deploy-world';

const junit = (failures: number) =>
  `<?xml version="1.0"?><testsuites><testsuite name="unit" tests="1" failures="${failures}">` +
  `<testcase classname="web" name="serves">${failures ? '<failure message="500"/>' : ''}</testcase>` +
  '</testsuite></testsuites>';

const PIPELINE = `
quality:
  tests: { maxFailed: 0 }
jobs:
  test:
    steps:
      - name: test
        run: mkdir -p out && cp junit.xml out/junit.xml
    reports: { junit: out/junit.xml }
`;

// A commit without a stored quality verdict: the deployment runs the commit's pipeline as a
// child (real git, real step processes) and its gate decides.
describe('a deployment runs the quality gate of a commit that has none', () => {
  const world = useTimeSkippingWorld();
  let service: TestService;
  let kubectl: RecordingKubectl;
  let repo: GitRepo;

  beforeEach(async () => {
    service = await startTestService();
    kubectl = servingKubectl();
    repo = createGitRepo({ '.arxflow/pipeline.yml': PIPELINE, 'junit.xml': junit(0) });
  });
  afterEach(async () => {
    await service.close();
    kubectl.remove();
    repo.remove();
  });

  const gated = (name: string): ServiceConfig => ({
    name,
    quality: { repo: repoKeyOf(repo.dir), required: true, source: repo.dir },
    environments: [kubectlEnvironment('staging', kubectl, service)],
  });

  it('deploys a commit whose pipeline passes its gate, and stores the verdict', async () => {
    const commit = repo.sha();
    const view = await withWorker(world, async (taskQueue) =>
      (
        await startDeployment(world.env.client, taskQueue, deployInput(gated('web-q1'), 'staging', { commit }))
      ).result(),
    );
    expect(view.status).toBe('succeeded');
    expect(view.stages.find((stage) => stage.name === 'quality')).toMatchObject({
      status: 'done',
      detail: expect.stringContaining(`pipeline/${repoKeyOf(repo.dir)}/${commit}/1`),
    });
    const stored = await world.store.db.query<{ verdict: string }>(
      'SELECT verdict FROM quality_verdicts WHERE sha = $1',
      [commit],
    );
    expect(stored.map((row) => row.verdict)).toEqual(['pass']);
  });

  it('fails before any change when the pipeline fails its gate', async () => {
    const commit = repo.commit({ 'junit.xml': junit(1) }, 'a failing test');
    const view = await withWorker(world, async (taskQueue) =>
      (
        await startDeployment(world.env.client, taskQueue, deployInput(gated('web-q2'), 'staging', { commit }))
      ).result(),
    );
    expect(view.status).toBe('failed');
    expect(view.reason).toContain('quality gate');
    expect(stagesOf(view)).toEqual(['validate: done', 'quality: failed']);
    expect(kubectl.commands().filter((command) => !command.includes(' get '))).toEqual([]);
  });
});
