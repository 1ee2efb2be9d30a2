// What the quality gate is given: the run it judges and the report files the run's jobs kept.
// Plain data (it travels in workflow histories); large payloads go by reference (StoredFile).
import type { RemediationState } from '../../db/quality-results';
import type { QualityThresholds, QualityVerdict } from '../../domain/quality/quality-types';

/** A file a job kept: the same shape activities/pipelines hands back (large payloads go by reference). */
export interface StoredFile {
  /** Where it was in the repository's workspace. */
  path: string;
  /** Absolute path of the stored copy under <dataDir>/pipelines/files. */
  ref: string;
  bytes: number;
}

export interface QualityGateInput {
  runId: string;
  /** As given to the pipeline: a local path, file:// or https URL (patch coverage diffs it). */
  repo: string;
  repoKey: string;
  /** Whose baseline and trend this is; default repoKey. */
  service?: string;
  branch: string;
  sha: string;
  attempt: number;
  /** Pull requests: the base branch (baseline) and sha (patch coverage). A push: absent (baseline of `branch`). */
  base?: { branch: string; sha?: string };
  reports: { coverage: StoredFile[]; junit: StoredFile[]; bench: StoredFile[] };
  /** Inline thresholds, or a thresholds YAML the run kept (thresholdsFile wins when both are given). */
  thresholds?: QualityThresholds;
  thresholdsFile?: StoredFile;
  /** Remediation owners: `slack:#builds`, `slack:U024BE7LH`, `email:a@b.c`, `webhook:https://...`. */
  owners: string[];
  /** The run's page (remediation record, notifications). */
  link?: string;
}

export type { RemediationState } from '../../db/quality-results';

export type QualityGateResult = QualityVerdict & {
  /** Present when the verdict opened, kept or closed the branch's remediation record. */
  remediation?: { id: string; state: RemediationState };
};
