import { mkdtempSync } from 'node:fs';
import { fuzzFiles } from './chaos/fuzz/file-fuzz';
(async () => {
  const t = await fuzzFiles({ dir: mkdtempSync('/tmp/fz-'), runsPerFormat: 40, seed: 991445696, log: console.log });
  console.log(t.failures.map((f) => JSON.stringify(f).slice(0, 400)));
})();
