import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { queueNotification } from '../../db/notification-outbox';
import type { Store } from '../../db/store';
import { heartbeating } from '../heartbeat';
import { githubClient, githubFailure, ownerAndName, type GithubSettings } from './github-client';
import type { CommitStatusRequest, GithubReport, PullRequestCommentRequest } from './github-types';

export type { CommitState, CommitStatusRequest, GithubReport, PullRequestCommentRequest } from './github-types';
export type { GithubSettings } from './github-client';

export interface GithubDeps {
  store: Store;
  /** GITHUB_TOKEN (+ GITHUB_API_URL); unset: statuses and comments go to the notification outbox, channel `github`. */
  github?: GithubSettings;
}

/** GitHub's limit for a commit status description. */
const MAX_DESCRIPTION = 140;

/**
 * Commit statuses and the pull request comment, through the official @octokit/rest client.
 * Both are idempotent: a status is "the latest for this context", and the comment is found
 * again by its hidden marker before anything is written, so a retried activity edits the
 * comment it created instead of adding a second one.
 */
export function createGithubActivities({ store, github }: GithubDeps) {
  const octokit = github ? githubClient(github) : undefined;

  async function toOutbox(key: string, recipient: string, subject: string, body: string): Promise<GithubReport> {
    await queueNotification(store.db, {
      key,
      channel: 'github',
      recipients: [recipient],
      subject,
      body,
      workflowId: currentWorkflowId(),
    });
    return { channel: 'outbox', key };
  }

  return {
    async reportCommitStatus(request: CommitStatusRequest): Promise<GithubReport> {
      const { owner, repo } = ownerAndName(request.githubRepo);
      const description = shorten(request.description, MAX_DESCRIPTION);
      if (!octokit) {
        const key = `github/status/${request.githubRepo}/${request.sha}/${request.context}/${request.state}/${digest(description)}`;
        const body = [description, ...(request.targetUrl ? ['', request.targetUrl] : [])].join('\n');
        return toOutbox(
          key,
          request.githubRepo,
          `${request.context} ${request.state} on ${request.sha.slice(0, 7)}`,
          body,
        );
      }
      try {
        const { data } = await heartbeating((signal) =>
          octokit.repos.createCommitStatus({
            owner,
            repo,
            sha: request.sha,
            state: request.state,
            context: request.context,
            description,
            ...(request.targetUrl ? { target_url: request.targetUrl } : {}),
            request: { signal },
          }),
        );
        return { channel: 'github', id: data.id };
      } catch (err) {
        throw githubFailure(err, `the ${request.context} status of ${request.githubRepo}@${request.sha.slice(0, 7)}`);
      }
    },

    async upsertPullRequestComment(request: PullRequestCommentRequest): Promise<GithubReport> {
      const { owner, repo } = ownerAndName(request.githubRepo);
      const marker = commentMarker(request.key);
      const body = `${marker}\n${request.body}`;
      if (!octokit) {
        const key = `github/comment/${request.githubRepo}/${request.pullRequest}/${request.key}/${digest(body)}`;
        return toOutbox(key, `${request.githubRepo}#${request.pullRequest}`, `arxflow ${request.key}`, request.body);
      }
      const what = `the ${request.key} comment on ${request.githubRepo}#${request.pullRequest}`;
      try {
        return await heartbeating(async (signal) => {
          const comments = await octokit.paginate(octokit.issues.listComments, {
            owner,
            repo,
            issue_number: request.pullRequest,
            per_page: 100,
            request: { signal },
          });
          const ours = comments.find((c) => c.body?.startsWith(marker));
          if (ours) {
            if (ours.body === body) return { channel: 'github', id: ours.id, action: 'unchanged' };
            await octokit.issues.updateComment({ owner, repo, comment_id: ours.id, body, request: { signal } });
            return { channel: 'github', id: ours.id, action: 'updated' };
          }
          const { data } = await octokit.issues.createComment({
            owner,
            repo,
            issue_number: request.pullRequest,
            body,
            request: { signal },
          });
          return { channel: 'github', id: data.id, action: 'created' };
        });
      } catch (err) {
        throw githubFailure(err, what);
      }
    },
  };
}

export type GithubActivities = ReturnType<typeof createGithubActivities>;

/** Hidden in the rendered comment; finds our comment among everyone's. */
export function commentMarker(key: string): string {
  return `<!-- arxflow:${key} -->`;
}

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function currentWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}
