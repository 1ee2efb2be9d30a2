import { z } from 'zod';
import { repoKeyOf } from '../../domain/pipelines/repo-key';
import type { PipelineRunInput, PipelineTrigger } from '../../domain/pipelines/pipeline-types';
import { interpolate, MissingEventFieldError, type GithubPipelineSetting } from '../../domain/webhook-config';

/** GitHub names the event in a header; the body alone does not say whether it is a push or a pull request. */
export const GITHUB_EVENT_HEADER = 'x-github-event';

const DEFAULT_REPO_TEMPLATE = '{{repository.clone_url}}';
/** GitHub lists at most 20 commits in a push: beyond that the changed paths are not all known. */
const MAX_LISTED_COMMITS = 20;
const DELETED = /^0{40}$|^0{64}$/;
const SHA = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a commit sha');

const repositorySchema = z.looseObject({ full_name: z.string().min(1), clone_url: z.string().min(1).optional() });
const senderSchema = z.looseObject({ login: z.string().min(1) });
const pushSchema = z.looseObject({
  ref: z.string().min(1),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: repositorySchema,
  sender: senderSchema,
  commits: z
    .array(
      z.looseObject({
        added: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
      }),
    )
    .optional(),
});
const pullRequestSchema = z.looseObject({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.looseObject({
    html_url: z.string().optional(),
    head: z.looseObject({ sha: SHA, ref: z.string().min(1) }),
    base: z.looseObject({ sha: SHA.optional(), ref: z.string().min(1) }),
  }),
  repository: repositorySchema,
  sender: senderSchema,
});
/** The pull request actions that put new code in front of the pipeline (GitHub Actions' defaults). */
const PR_ACTIONS = ['opened', 'synchronize', 'reopened'];

export type GithubPipelineEvent =
  { kind: 'ping' } | { kind: 'ignored'; reason: string } | { kind: 'run'; input: PipelineRunInput };

/**
 * A GitHub delivery to a source that runs pipelines, as what to do: `ping` (the hook was
 * created), a run of `push` / `pull_request` (attempt 1 of the pushed or head sha), or
 * ignored (a deleted branch, a pull request action that adds no code). Undefined for other
 * events: the source's own rules handle them. A field the run needs that the event lacks
 * throws MissingEventFieldError naming it (422, as the rules do).
 */
export function planGithubPipelineEvent(
  eventName: string | undefined,
  payload: unknown,
  setting: GithubPipelineSetting,
): GithubPipelineEvent | undefined {
  if (eventName === 'ping') return { kind: 'ping' };
  if (eventName === 'push') return planPush(payload, setting);
  if (eventName === 'pull_request') return planPullRequest(payload, setting);
  return undefined;
}

function planPush(payload: unknown, setting: GithubPipelineSetting): GithubPipelineEvent {
  const push = parseEvent(pushSchema, payload);
  if (push.deleted || DELETED.test(push.after)) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const sha = parseEvent(z.object({ after: SHA }), payload).after;
  const commits = push.commits ?? [];
  const listed = commits.length > 0 && commits.length < MAX_LISTED_COMMITS;
  const changedPaths = listed
    ? [...new Set(commits.flatMap((commit) => [...commit.added, ...commit.modified, ...commit.removed]))]
    : undefined; // unknown: every job runs, whatever its path filter
  const branch = push.ref.startsWith('refs/heads/') ? push.ref.slice('refs/heads/'.length) : undefined;
  return run(payload, setting, {
    ref: push.ref,
    sha,
    ...(branch ? { branch } : {}),
    event: 'push',
    ...(changedPaths ? { changedPaths } : {}),
    actor: push.sender.login,
    githubRepo: push.repository.full_name,
  });
}

function planPullRequest(payload: unknown, setting: GithubPipelineSetting): GithubPipelineEvent {
  const event = parseEvent(pullRequestSchema, payload);
  if (!PR_ACTIONS.includes(event.action)) {
    return { kind: 'ignored', reason: `pull_request ${event.action}: runs start on ${PR_ACTIONS.join(', ')}` };
  }
  const { head, base, html_url } = event.pull_request;
  return run(payload, setting, {
    ref: `refs/pull/${event.number}/head`,
    sha: head.sha,
    branch: head.ref,
    event: 'pull_request',
    base: { branch: base.ref, ...(base.sha ? { sha: base.sha } : {}) },
    pullRequest: { number: event.number, ...(html_url ? { url: html_url } : {}) },
    actor: event.sender.login,
    githubRepo: event.repository.full_name,
  });
}

function run(
  payload: unknown,
  setting: GithubPipelineSetting,
  trigger: Omit<PipelineTrigger, 'repo' | 'repoKey'>,
): GithubPipelineEvent {
  const repo = interpolate(setting.repo ?? DEFAULT_REPO_TEMPLATE, payload);
  return {
    kind: 'run',
    input: {
      trigger: { repo, repoKey: repoKeyOf(repo), ...trigger },
      attempt: 1,
      ...(setting.definitionPath ? { definitionPath: setting.definitionPath } : {}),
    },
  };
}

/** The event's fields the run needs, or MissingEventFieldError naming each missing or malformed one. */
function parseEvent<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  throw new MissingEventFieldError([...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))]);
}
