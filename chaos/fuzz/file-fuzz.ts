/**
 * Every file format arxflow reads, fed malformed files through the reader the product uses:
 * plans (plan format v1), draw requests, funding programs, the config file, escalation policies,
 * sync documents, pipeline files and quality thresholds. A malformed file must be refused with
 * an error that names the field (an InputError with its issues) or the file (not JSON/YAML at
 * all), never something else (a TypeError, a stack overflow) and never after 10 s.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { readJsonFile, CliError, EXIT } from '../../cli/output';
import { WORKFLOW_REGISTRY } from '../../client/api/registry';
import { parsePlan } from '../../domain/compliance/plan-schema';
import { DEFAULT_ESCALATION } from '../../domain/config-file';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { fundingProgramDefinitionSchema } from '../../domain/funding/program';
import { parsePipelineYaml } from '../../domain/pipelines/pipeline-schema';
import { parseThresholdsYaml } from '../../domain/quality/thresholds';
import { checkDocumentContent } from '../../domain/sync/document-kinds';
import { InputError, parseInput } from '../../domain/validation';
import { loadConfigFile } from '../../platform/config-file';
import { describe, encode, malformedDocument, malformedValue, Raw, type Fuzzed } from './malformed';
import { placesIn, REMOVE, replaceAt } from './openapi-routes';
import { HANG_MS, Tally } from './tally';

const ROOT = path.resolve(__dirname, '..', '..');
const text = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

export interface FileFormat {
  name: string;
  syntax: 'json' | 'yaml';
  /** A valid file of the format: the fuzz breaks it. */
  sample: () => string;
  /** Reads the file as the product does; throws when it refuses it. */
  read: (file: string) => unknown;
}

const readText = (file: string) => readFileSync(file, 'utf8');

export const FILE_FORMATS: readonly FileFormat[] = [
  {
    name: 'plan (plan format v1, arxflow compliance check)',
    syntax: 'json',
    sample: () => text('examples/sync/office-plan.json'),
    read: (file) => parsePlan(readJsonFile(file)),
  },
  {
    name: 'draw request (arxflow funding start)',
    syntax: 'json',
    sample: () => text('examples/draw-tower1-m3.json'),
    read: (file) => parseInput(WORKFLOW_REGISTRY.fundingGate!.input, readJsonFile(file), file),
  },
  {
    name: 'funding program (arxflow funding program publish)',
    syntax: 'json',
    sample: () => text('examples/program-tower1.json'),
    read: (file) => parseInput(fundingProgramDefinitionSchema, readJsonFile(file), file),
  },
  {
    name: 'config file (arxflow.config.yaml)',
    syntax: 'yaml',
    sample: () => text('arxflow.config.yaml'),
    read: (file) => loadConfigFile(file),
  },
  {
    name: 'alert escalation policies (escalation section)',
    syntax: 'yaml',
    sample: () => stringify(DEFAULT_ESCALATION),
    read: (file) => parseEscalationYaml(readText(file)),
  },
  {
    name: 'sync document (arxflow sync commit, kind plan)',
    syntax: 'json',
    sample: () => text('examples/sync/ana-board-room.json'),
    read: (file) => checkDocumentContent('plan', readJsonFile(file)),
  },
  {
    name: 'pipeline file (.arxflow/pipeline.yml)',
    syntax: 'yaml',
    sample: () => text('test/fixtures/pipelines/full.yml'),
    read: (file) => parsePipelineYaml(readText(file), file),
  },
  {
    name: 'quality thresholds (arxflow quality evaluate --thresholds)',
    syntax: 'yaml',
    sample: () => 'coverage: { lines: 80, branches: 70 }\ntests: { maxFailed: 0 }\n',
    read: (file) => parseThresholdsYaml(readText(file), file),
  },
];

const yamlRaw = (t: string) => new Raw(Buffer.from(t), t.slice(0, 40));
/** What YAML alone can spell: NaN and infinities, tags, alias bombs, tabs, duplicate keys. */
const YAML_DOCUMENTS: readonly Raw[] = [
  yamlRaw('a: .nan\n'),
  yamlRaw('a: -.inf\n'),
  yamlRaw('a: 1e400\n'),
  yamlRaw('a: !!binary aGVsbG8=\n'),
  yamlRaw('a: !!js/function "function(){}"\n'),
  yamlRaw('a: 1\na: 2\n'),
  yamlRaw('a:\n\t- b\n'),
  yamlRaw(
    `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from(
      { length: 9 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
    ).join('\n')}\n`,
  ),
  yamlRaw('<<: *missing\n'),
  yamlRaw('--- a\n--- b\n'),
  yamlRaw(`${'- '.repeat(10_000)}x\n`),
  yamlRaw('"unclosed\n'),
];

/** A malformed file of `format`: its sample with one to three places broken, or a whole bad document. */
export function malformedFile(format: FileFormat): fc.Arbitrary<{ bytes: Buffer; label: string }> {
  const sample = format.syntax === 'json' ? (JSON.parse(format.sample()) as unknown) : undefined;
  const yamlSample = format.syntax === 'yaml' ? (parseYaml(format.sample()) as unknown) : undefined;
  const base = sample ?? yamlSample;
  const places = placesIn(base);
  const shaped = fc
    .array(
      fc.record({
        place: fc.nat(places.length - 1),
        value: fc.oneof(
          { arbitrary: malformedValue, weight: 6 },
          { arbitrary: fc.constant<unknown>(REMOVE), weight: 1 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((mutations) => {
      const value = mutations.reduce<unknown>(
        (doc, { place, value }) => replaceAt(doc, places[place] as (string | number)[], value),
        base,
      );
      // JSON is YAML: the broken document is written as JSON for both syntaxes (Raw pieces as they are).
      return { bytes: encode((value ?? null) as Fuzzed), label: describe(value as Fuzzed) };
    });
  const whole = fc
    .oneof(malformedDocument, ...(format.syntax === 'yaml' ? [fc.constantFrom<Fuzzed>(...YAML_DOCUMENTS)] : []))
    .map((value) => ({ bytes: encode(value), label: describe(value) }));
  const truncated = fc.nat().map((cut) => {
    const full = Buffer.from(format.sample());
    const at = cut % full.length;
    return { bytes: full.subarray(0, at), label: `sample cut at byte ${at}` };
  });
  return fc.oneof(
    { arbitrary: shaped, weight: 5 },
    { arbitrary: whole, weight: 2 },
    { arbitrary: truncated, weight: 1 },
  );
}

/** Whether `err` is a refusal a user can act on: naming the field (InputError) or the file. */
export function refusalNamesFieldOrFile(err: unknown, file: string): boolean {
  if (err instanceof InputError) return err.message.length > 0 && (err.issues.length > 0 || err.message.includes(':'));
  if (err instanceof CliError) return err.exitCode === EXIT.badInput && err.message.includes(file);
  // loadConfigFile's "not valid YAML", which names the file.
  return err instanceof Error && err.constructor === Error && err.message.startsWith(`${file}:`);
}

/** Fuzzes every format `runsPerFormat` times; files go to `dir`. */
export async function fuzzFiles(options: {
  dir: string;
  runsPerFormat: number;
  seed: number;
  log: (line: string) => void;
}): Promise<Tally> {
  const tally = new Tally('files');
  for (const [index, format] of FILE_FORMATS.entries()) {
    const file = path.join(options.dir, `fuzzed.${format.syntax}`);
    const property = ({ bytes, label }: { bytes: Buffer; label: string }): boolean => {
      writeFileSync(file, bytes);
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      let outcome: 'accepted' | 'refused' | 'wrong';
      let detail = '';
      try {
        format.read(file);
        outcome = 'accepted';
      } catch (err) {
        outcome = refusalNamesFieldOrFile(err, file) ? 'refused' : 'wrong';
        detail = `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
      }
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      tally.count(format.name, outcome, ms, label);
      // A read runs in this process: it hangs when it works (CPU) past 10 s. Wall time on a loaded 2-core
      // machine runs several times longer for the same work, so it counts only far past the limit.
      if (cpuMs > HANG_MS || ms > 6 * HANG_MS) {
        tally.fail('hang', format.name, label, `took ${Math.round(ms)} ms (${Math.round(cpuMs)} ms of CPU)`, { ms });
        return false;
      }
      if (outcome === 'wrong') {
        tally.fail('wrong refusal', format.name, label, detail, { ms });
        return false;
      }
      return true;
    };
    let left = options.runsPerFormat;
    for (let round = 0; round < 3 && left > 0; round++) {
      const failuresBefore = tally.failures.length;
      const details = fc.check(fc.property(malformedFile(format), property), {
        numRuns: left,
        seed: options.seed + index * 104729 + round,
      });
      if (!details.failed) break;
      const last = tally.keepLast(failuresBefore, details);
      if (last && details.counterexample) last.input = `(shrunk) ${details.counterexample[0].label}`;
      left -= details.numRuns;
      options.log(`  ${format.name}: ${last?.detail ?? 'failed'}`);
    }
  }
  return tally;
}
