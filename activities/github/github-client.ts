// Octokit ships only ES modules: Node >= 20.19 (package.json engines) requires them, jest compiles them (jest.config.js).
import { Octokit } from '@octokit/rest';
import { ApplicationFailure } from '@temporalio/activity';

export interface GithubSettings {
  /** GITHUB_TOKEN: a personal access token, an app installation token or Actions' token. */
  token: string;
  /** GITHUB_API_URL: GitHub Enterprise (`https://ghe.example.com/api/v3`) or a local stand-in; default api.github.com. */
  apiUrl?: string;
}

/**
 * The official client, retries left to Temporal (as with Slack): an activity that fails is
 * retried with the workflow's backoff instead of sleeping inside the activity.
 */
export function githubClient(settings: GithubSettings): Octokit {
  return new Octokit({
    auth: settings.token,
    userAgent: 'arxflow',
    ...(settings.apiUrl ? { baseUrl: settings.apiUrl.replace(/\/+$/, '') } : {}),
    request: { retries: 0 },
    // Octokit warns on console by default; the activity's failure already says what went wrong.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

/** `owner/name` split for the REST calls; anything else is refused before a call is made. */
export function ownerAndName(githubRepo: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(githubRepo);
  if (!match?.[1] || !match[2])
    throw ApplicationFailure.nonRetryable(`githubRepo: must be "owner/name", got '${githubRepo}'`, 'InvalidInput');
  return { owner: match[1], repo: match[2] };
}

/**
 * What a failed call means for the retry policy. GitHub's 4xx (bad token, unknown repository
 * or pull request, a refused body) will be refused again: non-retryable `GitHubRefused` with
 * the status and GitHub's message. 5xx, rate limits and network failures are retried.
 */
export function githubFailure(err: unknown, what: string): Error {
  const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 0;
  const message = err instanceof Error ? err.message : String(err);
  const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
  const rateLimited = status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0');
  if (status >= 400 && status < 500 && !rateLimited)
    return ApplicationFailure.nonRetryable(`GitHub refused ${what}: ${status} ${message}`, 'GitHubRefused', {
      status,
    });
  // A plain error (not Octokit's, which carries the whole request) so the failure stays small.
  return ApplicationFailure.retryable(
    `GitHub did not answer ${what}: ${status || 'network'} ${message}`,
    'GitHubUnavailable',
  );
}
