import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  DEV_SERVER_DYNAMIC_CONFIG,
  devServerDynamicConfigFlags,
  localDevServerOptions,
} from '../../scripts/dev-server';
import { DYNAMIC_CONFIG } from '../../scripts/cluster-layout';

describe('the dynamic config of the dev servers arxflow starts', () => {
  it('reads new tasks 1,000 times a second per shard, as flags the Temporal CLI takes', () => {
    expect(devServerDynamicConfigFlags()).toEqual([
      '--dynamic-config-value',
      'history.transferProcessorMaxPollRPS=1000',
    ]);
    expect(localDevServerOptions(['--ui-codec-endpoint', 'http://x']).extraArgs).toEqual([
      ...devServerDynamicConfigFlags(),
      '--ui-codec-endpoint',
      'http://x',
    ]);
  });

  it("is npm run cluster's too", () => {
    const cluster = parse(readFileSync(DYNAMIC_CONFIG, 'utf8')) as Record<string, { value: unknown }[]>;
    for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) expect(cluster[key]).toEqual([{ value }]);
  });
});
