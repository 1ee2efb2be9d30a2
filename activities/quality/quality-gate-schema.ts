import { z } from 'zod';
import { qualityThresholdsSchema } from '../../domain/quality/thresholds';

// The gate's input as it crosses from a workflow (or the API through one): checked before a file
// is read, so a malformed start fails at once (InvalidInput) naming the field.

const storedFileSchema = z.strictObject({
  path: z.string().min(1),
  ref: z.string().min(1),
  bytes: z.number().int().min(0),
});

export const qualityGateInputSchema = z.strictObject({
  runId: z.string().min(1).max(500),
  repo: z.string().min(1).max(2000),
  repoKey: z.string().min(1).max(500),
  service: z.string().min(1).max(500).optional(),
  branch: z.string().min(1).max(500),
  sha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha'),
  attempt: z.number().int().min(1),
  base: z
    .strictObject({
      branch: z.string().min(1).max(500),
      sha: z
        .string()
        .regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha')
        .optional(),
    })
    .optional(),
  reports: z.strictObject({
    coverage: z.array(storedFileSchema),
    junit: z.array(storedFileSchema),
    bench: z.array(storedFileSchema),
  }),
  thresholds: qualityThresholdsSchema.optional(),
  thresholdsFile: storedFileSchema.optional(),
  owners: z.array(z.string().min(1).max(500)).max(50),
  link: z.string().max(2000).optional(),
});
