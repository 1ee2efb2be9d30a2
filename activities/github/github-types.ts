// What the GitHub reporting activities take and give back (plain data: it travels in workflow histories).

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatusRequest {
  /** `owner/name` on GitHub. */
  githubRepo: string;
  sha: string;
  /** e.g. `arxflow/build`, `arxflow/quality`. */
  context: string;
  state: CommitState;
  /** Cut to GitHub's 140 characters. */
  description: string;
  /** The run's page. */
  targetUrl?: string;
}

export interface PullRequestCommentRequest {
  githubRepo: string;
  pullRequest: number;
  /** One comment per pull request and key (a hidden marker `<!-- arxflow:<key> -->`), edited in place. */
  key: string;
  /** Markdown. */
  body: string;
}

/** Where the report went: GitHub itself, or the notification outbox (no token configured). */
export type GithubReport =
  { channel: 'github'; id?: number; action?: 'created' | 'updated' | 'unchanged' } | { channel: 'outbox'; key: string };
