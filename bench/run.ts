// `npm run bench [-- <name>...]`: runs the named benchmarks (all by default). Each prints a
// table against a baseline measured in the same run and writes bench/results/<name>.json.
import { benchAlerts } from './alerts';
import { benchCluster } from './cluster';
import { benchCompliance } from './compliance';
import { benchDeploy } from './deploy';
import { benchFunding } from './funding';
import { benchGateway } from './gateway';
import { benchIdentity } from './identity';
import { benchMemory } from './memory';
import { benchNlp } from './nlp';
import { benchPipeline } from './pipeline';
import { benchStore } from './store';
import { benchSync } from './sync';

const BENCHES: Record<string, () => Promise<void>> = {
  store: benchStore,
  gateway: benchGateway,
  funding: benchFunding,
  compliance: benchCompliance,
  alerts: benchAlerts,
  identity: benchIdentity,
  memory: benchMemory,
  pipeline: benchPipeline,
  deploy: benchDeploy,
  sync: benchSync,
  nlp: benchNlp,
  cluster: benchCluster,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in BENCHES));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) await BENCHES[name]!();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
