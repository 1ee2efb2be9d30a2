import type { KubectlTargetConfig } from '../../domain/deploy/deploy-types';
import { KubectlTarget } from '../../activities/deploy/targets/kubectl-target';
import type { TargetCommandLog } from '../../activities/deploy/targets/deploy-target';
import { recordingKubectl, type RecordingKubectl } from '../support/recording-kubectl';

const IMAGE_QUERY = `-o jsonpath={.spec.template.spec.containers[?(@.name=="web")].image}`;

function config(kubectl: RecordingKubectl, extra: Partial<KubectlTargetConfig> = {}): KubectlTargetConfig {
  return {
    type: 'kubectl',
    kubectl: kubectl.binary,
    context: 'prod-cluster',
    namespace: 'web-production',
    deployment: 'web',
    container: 'web',
    image: 'registry.example/web:{{version}}',
    rolloutTimeout: '2 minutes',
    baseUrl: 'http://web-canary.{{environment}}.internal',
    publicUrl: 'https://web.example',
    ...extra,
  };
}

const vars = { service: 'web', environment: 'production' };
const P = '--context prod-cluster -n web-production';

describe('the kubectl target (a recording kubectl, no cluster)', () => {
  let kubectl: RecordingKubectl;
  beforeEach(() => {
    kubectl = recordingKubectl();
  });
  afterEach(() => kubectl.remove());

  test('deploy without a canary: set image, then rollout status with the timeout in seconds; it switches', async () => {
    const log: TargetCommandLog[] = [];
    const target = new KubectlTarget(config(kubectl), vars, log);
    const made = await target.deploy('1.2.0');
    expect(made).toEqual({
      baseUrl: 'http://web-canary.production.internal',
      publicUrl: 'https://web.example',
      switched: true,
    });
    expect(kubectl.commands()).toEqual([
      `${P} set image deployment/web web=registry.example/web:1.2.0`,
      `${P} rollout status deployment/web --timeout=120s`,
    ]);
    expect(log.map((entry) => entry.exitCode)).toEqual([0, 0]);
    // One version at a time: weights change nothing.
    await target.setWeight('1.2.0', 50);
    expect(kubectl.calls()).toHaveLength(2);
  });

  test('no context configured: no --context flag', async () => {
    await new KubectlTarget(config(kubectl, { context: undefined }), vars).deploy('1.2.0');
    expect(kubectl.commands()[0]).toBe('-n web-production set image deployment/web web=registry.example/web:1.2.0');
  });

  test('a failed rollout status fails the deploy for good with kubectl stderr', async () => {
    kubectl.answer({
      match: 'rollout status',
      stderr: 'error: deployment "web" exceeded its progress deadline\n',
      exitCode: 1,
    });
    const deploying = new KubectlTarget(config(kubectl), vars).deploy('1.2.0');
    await expect(deploying).rejects.toMatchObject({
      type: 'RolloutFailed',
      nonRetryable: true,
      message: expect.stringContaining('exceeded its progress deadline'),
    });
  });

  test('another failing command is retryable (an API server that did not answer)', async () => {
    kubectl.answer({
      match: 'set image',
      stderr: 'Unable to connect to the server: dial tcp: i/o timeout',
      exitCode: 1,
    });
    await expect(new KubectlTarget(config(kubectl), vars).deploy('1.2.0')).rejects.toMatchObject({
      type: 'KubectlFailed',
      nonRetryable: false,
      message: expect.stringContaining('Unable to connect'),
    });
    expect(kubectl.commands()).toHaveLength(1); // no rollout status after a failed set image
  });

  test('a missing kubectl is a clear non-retryable error', async () => {
    const target = new KubectlTarget(config(kubectl, { kubectl: '/nonexistent/bin/kubectl' }), vars);
    await expect(target.serving()).rejects.toMatchObject({
      type: 'TargetToolMissing',
      nonRetryable: true,
      message: expect.stringContaining('/nonexistent/bin/kubectl could not be run'),
    });
  });

  test('serving: the version from the image tag; a missing deployment serves nothing; another image is named whole', async () => {
    const target = new KubectlTarget(config(kubectl), vars);
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.1.0', times: 1 });
    await expect(target.serving()).resolves.toBe('1.1.0');
    expect(kubectl.commands()).toEqual([`${P} get deployment web ${IMAGE_QUERY}`]);
    kubectl.answer({ match: 'get deployment web', stdout: 'other.example/web@sha256:abc', times: 1 });
    await expect(target.serving()).resolves.toBe('other.example/web@sha256:abc');
    kubectl.answer({
      match: 'get deployment web',
      stderr: 'Error from server (NotFound): deployments.apps "web" not found',
      exitCode: 1,
    });
    await expect(target.serving()).resolves.toBeUndefined();
  });

  test('rollback: rollout undo while the failed version serves, then rollout status; again: nothing', async () => {
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.2.0', times: 1 });
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.1.0' });
    const target = new KubectlTarget(config(kubectl), vars);
    await target.rollback('1.2.0', '1.1.0');
    expect(kubectl.commands()).toEqual([
      `${P} get deployment web ${IMAGE_QUERY}`,
      `${P} rollout undo deployment/web`,
      `${P} rollout status deployment/web --timeout=120s`,
      `${P} get deployment web ${IMAGE_QUERY}`,
    ]);
    kubectl.clearCalls();
    await target.rollback('1.2.0', '1.1.0'); // a retried rollback must not undo twice
    expect(kubectl.commands()).toEqual([`${P} get deployment web ${IMAGE_QUERY}`]);
  });

  test('rollback where undo lands on another version: the previous image is set outright', async () => {
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.2.0', times: 1 });
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.0.0', times: 1 });
    const target = new KubectlTarget(config(kubectl), vars);
    await target.rollback('1.2.0', '1.1.0');
    expect(kubectl.commands().slice(-2)).toEqual([
      `${P} set image deployment/web web=registry.example/web:1.1.0`,
      `${P} rollout status deployment/web --timeout=120s`,
    ]);
  });

  test('rollback of a first deployment scales it to zero: nothing served before', async () => {
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.0.0' });
    await new KubectlTarget(config(kubectl), vars).rollback('1.0.0', undefined);
    expect(kubectl.commands()).toEqual([
      `${P} get deployment web ${IMAGE_QUERY}`,
      `${P} scale deployment/web --replicas=0`,
    ]);
  });

  test('a replica canary: deploy starts one canary pod, weights split the total by scale, 100 switches the main deployment', async () => {
    const target = new KubectlTarget(config(kubectl, { canary: { deployment: 'web-canary', replicas: 4 } }), vars);
    await expect(target.deploy('1.2.0')).resolves.toMatchObject({ switched: false });
    await target.setWeight('1.2.0', 50);
    await target.setWeight('1.2.0', 100);
    expect(kubectl.commands()).toEqual([
      `${P} set image deployment/web-canary web=registry.example/web:1.2.0`,
      `${P} scale deployment/web-canary --replicas=1`,
      `${P} rollout status deployment/web-canary --timeout=120s`,
      `${P} scale deployment/web-canary --replicas=2`,
      `${P} scale deployment/web --replicas=2`,
      `${P} rollout status deployment/web-canary --timeout=120s`,
      `${P} set image deployment/web web=registry.example/web:1.2.0`,
      `${P} scale deployment/web --replicas=4`,
      `${P} rollout status deployment/web --timeout=120s`,
      `${P} scale deployment/web-canary --replicas=0`,
    ]);
  });

  test('a replica canary rolls back by emptying the canary and giving the main deployment every pod', async () => {
    kubectl.answer({ match: 'get deployment web', stdout: 'registry.example/web:1.1.0' });
    const target = new KubectlTarget(config(kubectl, { canary: { deployment: 'web-canary', replicas: 4 } }), vars);
    await target.rollback('1.2.0', '1.1.0');
    expect(kubectl.commands()).toEqual([
      `${P} scale deployment/web-canary --replicas=0`,
      `${P} get deployment web ${IMAGE_QUERY}`,
      `${P} scale deployment/web --replicas=4`,
    ]);
  });

  describe('an Argo Rollout', () => {
    const rolloutAt = (stepIndex: number, image = 'registry.example/web:1.2.0') =>
      JSON.stringify({
        spec: {
          template: { spec: { containers: [{ name: 'web', image }] } },
          strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } },
        },
        status: { currentStepIndex: stepIndex, stableRS: 'aaa111', currentPodHash: 'bbb222' },
      });

    test('deploy is set image and status; a weight below the one asked promotes one step; at it, nothing', async () => {
      const target = new KubectlTarget(config(kubectl, { canary: { rollout: 'web' } }), vars);
      await target.deploy('1.2.0');
      kubectl.answer({ match: 'get rollout/web', stdout: rolloutAt(1), times: 1 });
      await target.setWeight('1.2.0', 50);
      kubectl.answer({ match: 'get rollout/web', stdout: rolloutAt(3), times: 1 });
      await target.setWeight('1.2.0', 50); // a retry: the Rollout is at 50 already
      await target.setWeight('1.2.0', 100);
      expect(kubectl.commands()).toEqual([
        `${P} argo rollouts set image web web=registry.example/web:1.2.0`,
        `${P} argo rollouts status web --timeout 120s`,
        `${P} get rollout/web -o json`,
        `${P} argo rollouts promote web`,
        `${P} argo rollouts status web --timeout 120s`,
        `${P} get rollout/web -o json`,
        `${P} argo rollouts promote web --full`,
        `${P} argo rollouts status web --timeout 120s`,
      ]);
    });

    test('serving during a canary is the stable ReplicaSet image', async () => {
      kubectl.answer({ match: 'get rollout/web', stdout: rolloutAt(1) });
      kubectl.answer({
        match: 'get replicaset/web-aaa111',
        stdout: JSON.stringify({
          spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example/web:1.1.0' }] } } },
        }),
      });
      await expect(new KubectlTarget(config(kubectl, { canary: { rollout: 'web' } }), vars).serving()).resolves.toBe(
        '1.1.0',
      );
    });

    test('rollback during a canary: abort, the previous image set back, status', async () => {
      kubectl.answer({ match: 'get rollout/web', stdout: rolloutAt(1) });
      await new KubectlTarget(config(kubectl, { canary: { rollout: 'web' } }), vars).rollback('1.2.0', '1.1.0');
      expect(kubectl.commands()).toEqual([
        `${P} get rollout/web -o json`,
        `${P} argo rollouts abort web`,
        `${P} argo rollouts set image web web=registry.example/web:1.1.0`,
        `${P} argo rollouts status web --timeout 120s`,
      ]);
    });

    test('a failing Argo status is a failed rollout', async () => {
      kubectl.answer({
        match: 'argo rollouts status',
        stderr: 'Error: The rollout is in a degraded state',
        exitCode: 1,
      });
      await expect(
        new KubectlTarget(config(kubectl, { canary: { rollout: 'web' } }), vars).deploy('1.2.0'),
      ).rejects.toMatchObject({
        type: 'RolloutFailed',
        nonRetryable: true,
        message: expect.stringContaining('degraded'),
      });
    });
  });
});
