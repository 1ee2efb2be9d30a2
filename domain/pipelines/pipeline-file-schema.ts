// The shape of `.arxflow/pipeline.yml` as written (GitHub Actions' spelling: `timeout-minutes`,
// `restore-keys`, `cancel-in-progress`), checked with zod. pipeline-schema.ts turns it into a
// PipelineDefinition after the checks zod cannot make (needs, cycles, expressions).
import { z } from 'zod';
import { durationSchema } from '../durations';
import { lazySchema } from '../lazy-schema';
import { qualityThresholdsSchema } from '../quality/thresholds';

/** Job ids as GitHub allows them: they appear in run views, log paths and `needs`. */
export const JOB_ID = /^[A-Za-z_][\w-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Bounds that keep a definition (it travels in workflow histories) small. */
/**
 * A run's history grows by about a dozen events per step and Temporal refuses a history past
 * 51,200 events: `totalSteps` keeps every run well inside it without continue-as-new.
 */
export const PIPELINE_LIMITS = { jobs: 50, stepsPerJob: 100, totalSteps: 1000, textChars: 64 * 1024 } as const;

const text = () => z.string().max(PIPELINE_LIMITS.textChars, `must be at most ${PIPELINE_LIMITS.textChars} characters`);
const nonEmptyText = () => text().refine((value) => value.trim() !== '', 'must not be empty');

/**
 * A path (or glob) in the job's workspace: caches are restored to these paths, so one that leaves the
 * workspace (`/etc`, `../x`) would write outside it.
 */
const workspacePath = () =>
  nonEmptyText().refine(
    (path) => !path.replace(/^!/, '').startsWith('/') && !path.split(/[\\/]/).includes('..'),
    'must be a path inside the workspace (relative, no ..)',
  );

/** A text or a list of texts, always a list after parsing (`needs: build` and `needs: [build]`). */
const textList = (item: () => z.ZodType<string> = nonEmptyText) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(item(), {
        error: (issue) => (issue.input === undefined ? 'required' : 'must be a text or a list of texts'),
      })
      .max(1000, 'must list at most 1000 entries'),
  );

const envSchema = () =>
  z.record(
    z.string().regex(ENV_NAME, 'must be an environment variable name (letters, digits and _, not first a digit)'),
    z.union([text(), z.number(), z.boolean()], { error: 'must be a text, a number or true/false' }).transform(String),
    { error: 'must map variable names to values' },
  );

const minutes = () =>
  z
    .number()
    .positive('must be more than 0')
    .max(7 * 24 * 60, 'must be at most a week');

export const jobFilterFileSchema = lazySchema(() =>
  z.strictObject(
    {
      branches: textList().optional(),
      'branches-ignore': textList().optional(),
      events: z
        .preprocess(
          (value) => (typeof value === 'string' ? [value] : value),
          z.array(z.enum(['push', 'pull_request', 'manual'], { error: 'must be push, pull_request or manual' }), {
            error: 'must be an event or a list of events',
          }),
        )
        .optional(),
      paths: textList().optional(),
      'paths-ignore': textList().optional(),
    },
    {
      error:
        'must be a filter such as {branches: [main], events: [push]} (branches, branches-ignore, events, paths, ' +
        'paths-ignore); expressions such as github.ref == ... are not supported',
    },
  ),
);

export const stepFileSchema = lazySchema(() =>
  z.strictObject(
    {
      name: nonEmptyText().optional(),
      run: z
        .string({
          error: (issue) =>
            issue.input === undefined ? 'required: the shell command the step runs' : 'must be a text',
        })
        .max(PIPELINE_LIMITS.textChars, `must be at most ${PIPELINE_LIMITS.textChars} characters`)
        .refine((value) => value.trim() !== '', 'must not be empty'),
      env: envSchema().optional(),
      timeout: durationSchema.optional(),
      'timeout-minutes': minutes().optional(),
    },
    { error: 'must be a step such as {name: test, run: npm test}' },
  ),
);

export const cacheFileSchema = lazySchema(() =>
  z.strictObject(
    { key: nonEmptyText(), 'restore-keys': textList().optional(), paths: textList(workspacePath) },
    { error: 'must be {key, restore-keys?, paths}' },
  ),
);

export const jobFileSchema = lazySchema(() =>
  z.strictObject(
    {
      name: nonEmptyText().optional(),
      needs: textList().optional(),
      if: jobFilterFileSchema.optional(),
      env: envSchema().optional(),
      timeout: durationSchema.optional(),
      'timeout-minutes': minutes().optional(),
      steps: z
        .array(stepFileSchema, { error: 'must be a list of steps' })
        .min(1, 'must list at least one step')
        .max(PIPELINE_LIMITS.stepsPerJob, `must list at most ${PIPELINE_LIMITS.stepsPerJob} steps`),
      cache: cacheFileSchema.optional(),
      artifacts: textList(workspacePath).optional(),
      reports: z
        .strictObject(
          {
            coverage: textList(workspacePath).optional(),
            junit: textList(workspacePath).optional(),
            bench: textList(workspacePath).optional(),
          },
          { error: 'must be {coverage?, junit?, bench?}' },
        )
        .optional(),
    },
    { error: 'must be a job such as {steps: [{run: npm test}]}' },
  ),
);

/**
 * `quality:` inline thresholds (the thresholds file's keys: domain/quality/thresholds.ts, one schema for
 * both), `{file: path}`, or a path alone.
 */
export const qualityFileSchema = lazySchema(() =>
  z.preprocess(
    (value) => (typeof value === 'string' ? { file: value } : value),
    qualityThresholdsSchema.extend({ file: workspacePath().optional() }).superRefine((quality, ctx) => {
      const inline = ['coverage', 'tests', 'benchmarks'].filter((key) => key in quality);
      if (quality.file !== undefined && inline.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['file'],
          message: `a thresholds file or ${inline.join(', ')} inline, not both`,
        });
      }
    }),
  ),
);

export const concurrencyFileSchema = lazySchema(() =>
  z.preprocess(
    (value) => (typeof value === 'string' ? { group: value } : value),
    z.strictObject(
      { group: nonEmptyText(), 'cancel-in-progress': z.boolean().default(false) },
      { error: 'must be a group name or {group, cancel-in-progress}' },
    ),
  ),
);

/** The whole file as written. Exported so the API can check an uploaded definition with the same rules. */
export const pipelineFileSchema = lazySchema(() =>
  z.strictObject(
    {
      name: nonEmptyText().optional(),
      env: envSchema().optional(),
      jobs: z
        .record(
          z.string().regex(JOB_ID, 'must be a job id: a letter or _ first, then letters, digits, _ or -'),
          jobFileSchema,
          { error: (issue) => (issue.input === undefined ? 'required' : 'must map job ids to jobs') },
        )
        .refine((jobs) => Object.keys(jobs).length > 0, 'must have at least one job')
        .refine(
          (jobs) => Object.keys(jobs).length <= PIPELINE_LIMITS.jobs,
          `must have at most ${PIPELINE_LIMITS.jobs} jobs`,
        )
        .refine(
          (jobs) =>
            Object.values(jobs).reduce((steps, job) => steps + job.steps.length, 0) <= PIPELINE_LIMITS.totalSteps,
          `must have at most ${PIPELINE_LIMITS.totalSteps} steps in all`,
        ),
      concurrency: concurrencyFileSchema.optional(),
      'max-parallel': z.int().min(1, 'must be 1 or more').max(64, 'must be at most 64').optional(),
      quality: qualityFileSchema.optional(),
      owners: textList().optional(),
    },
    { error: 'must be a mapping with jobs: (see docs/pipelines.md)' },
  ),
);

export type PipelineFile = z.output<typeof pipelineFileSchema>;
export type JobFile = z.output<typeof jobFileSchema>;

/** The keys each level knows, for "did you mean" on a typo. */
export const KNOWN_KEYS = {
  pipeline: ['name', 'env', 'jobs', 'concurrency', 'max-parallel', 'quality', 'owners'],
  job: ['name', 'needs', 'if', 'env', 'timeout', 'timeout-minutes', 'steps', 'cache', 'artifacts', 'reports'],
  step: ['name', 'run', 'env', 'timeout', 'timeout-minutes'],
  filter: ['branches', 'branches-ignore', 'events', 'paths', 'paths-ignore'],
  cache: ['key', 'restore-keys', 'paths'],
  reports: ['coverage', 'junit', 'bench'],
  concurrency: ['group', 'cancel-in-progress'],
  quality: ['file', 'coverage', 'tests', 'benchmarks'],
  coverage: ['lines', 'branches', 'patch'],
  tests: ['maxFailed'],
  benchmarks: ['maxRegressionPercent', 'baselineRuns'],
} as const;

/** Keys GitHub Actions users will write, and why arxflow has no such key. */
export const REFUSED_KEY_REASONS: Readonly<Record<string, string>> = {
  on: 'arxflow runs a pipeline on push, pull_request and manual runs; filter each job with if: {events, branches, paths}',
  deploy: 'deployments arrive with issue #14 and are not accepted yet',
  'runs-on': "jobs run on arxflow's workers: there is no runner to choose",
  uses: 'actions are not supported: give the shell command in run',
  with: 'actions are not supported: give the shell command in run',
  strategy: 'matrices are not supported: write one job per combination',
  services: 'service containers are not supported',
  container: 'containers are not supported: a step can run docker itself',
  permissions: 'arxflow has no token permissions to set',
  defaults: 'not supported: put cd ... in run',
  outputs: 'job outputs are not supported',
  'working-directory': 'not supported: put cd ... in run',
  shell: 'steps run with /bin/sh -c: call another shell from run (bash -c ...)',
  'continue-on-error': 'not supported: a failing step fails its job',
  id: 'steps are named by name and their index',
  if: 'steps have no if: give the job an if filter, or move the step to a job of its own',
};
