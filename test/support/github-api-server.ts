import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the few GitHub REST endpoints arxflow uses, so tests run the official
 * @octokit/rest client unchanged against it (`baseUrl: server.apiUrl`):
 *   POST  /repos/:owner/:repo/statuses/:sha
 *   GET   /repos/:owner/:repo/issues/:number/comments   (per_page/page, Link rel="next")
 *   POST  /repos/:owner/:repo/issues/:number/comments
 *   PATCH /repos/:owner/:repo/issues/comments/:id
 * It checks `authorization: token …` / `Bearer …` (401 "Bad credentials" otherwise), knows only
 * the repositories it was given (404 "Not Found" for others), records every call, and answers
 * 500 or 401 on demand (`failNext`) for retry and refusal tests.
 */

export interface GithubCall {
  method: string;
  path: string;
  body?: Record<string, unknown>;
  status: number;
}

export interface GithubStatus {
  repo: string;
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface GithubComment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: string;
  updates: number;
}

export interface GithubApiServer {
  apiUrl: string;
  calls(): GithubCall[];
  /** Every status posted, oldest first. */
  statuses(repo?: string): GithubStatus[];
  comments(repo: string, issue: number): GithubComment[];
  /** A comment written by someone else (the bot must leave it alone). */
  addForeignComment(repo: string, issue: number, body: string): GithubComment;
  /** The next `times` requests answer this status (500: server error, 401: bad credentials, ...). */
  failNext(times: number, status: number): void;
  close(): Promise<void>;
}

export async function startGithubApiServer(options: { token: string; repos: string[] }): Promise<GithubApiServer> {
  const calls: GithubCall[] = [];
  const statuses: GithubStatus[] = [];
  const comments: GithubComment[] = [];
  let nextId = 1000;
  let failure: { times: number; status: number } | undefined;
  let baseUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    let body: Record<string, unknown> | undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
    }
    const call: GithubCall = { method, path: url.pathname + url.search, ...(body ? { body } : {}), status: 200 };
    calls.push(call);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (failure && failure.times > 0) {
      failure.times--;
      const status = failure.status;
      return reply(status, { message: status === 401 ? 'Bad credentials' : 'Server Error' });
    }
    const auth = /^(?:token|Bearer) (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (auth !== options.token)
      return reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    if (text !== '' && !body) return reply(400, { message: 'Problems parsing JSON' });

    const route = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = route ? `${route[1]}/${route[2]}` : '';
    if (!route || !options.repos.includes(repo)) return reply(404, { message: 'Not Found' });
    const rest = route[3] ?? '';
    let match: RegExpExecArray | null;

    if ((match = /^statuses\/([0-9a-f]{40})$/.exec(rest)) && method === 'POST') {
      const state = String(body?.state ?? '');
      if (!['pending', 'success', 'failure', 'error'].includes(state))
        return reply(422, { message: 'Validation Failed', errors: [{ field: 'state', code: 'invalid' }] });
      if (typeof body?.description === 'string' && body.description.length > 140)
        return reply(422, { message: 'Validation Failed', errors: [{ field: 'description', code: 'too_long' }] });
      const status: GithubStatus = {
        repo,
        sha: match[1] ?? '',
        state,
        context: String(body?.context ?? 'default'),
        ...(typeof body?.description === 'string' ? { description: body.description } : {}),
        ...(typeof body?.target_url === 'string' ? { target_url: body.target_url } : {}),
      };
      statuses.push(status);
      return reply(201, { id: statuses.length, ...status, url: `${baseUrl}/repos/${repo}/statuses/${status.sha}` });
    }
    if ((match = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(match[1]);
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = comments.filter((c) => c.repo === repo && c.issue === issue);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length)
          headers.link = `<${baseUrl}/repos/${repo}/issues/${issue}/comments?per_page=${perPage}&page=${page + 1}>; rel="next"`;
        return reply(200, slice.map(commentJson), headers);
      }
      if (method === 'POST') {
        if (typeof body?.body !== 'string') return reply(422, { message: 'Validation Failed' });
        const comment: GithubComment = { id: nextId++, repo, issue, body: body.body, user: 'arxflow[bot]', updates: 0 };
        comments.push(comment);
        return reply(201, commentJson(comment));
      }
    }
    if ((match = /^issues\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const comment = comments.find((c) => c.repo === repo && c.id === Number(match?.[1]));
      if (!comment) return reply(404, { message: 'Not Found' });
      if (typeof body?.body !== 'string') return reply(422, { message: 'Validation Failed' });
      comment.body = body.body;
      comment.updates++;
      return reply(200, commentJson(comment));
    }
    return reply(404, { message: 'Not Found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    apiUrl: baseUrl,
    calls: () => [...calls],
    statuses: (repo) => statuses.filter((s) => repo === undefined || s.repo === repo),
    comments: (repo, issue) => comments.filter((c) => c.repo === repo && c.issue === issue).map((c) => ({ ...c })),
    addForeignComment(repo, issue, body) {
      const comment: GithubComment = { id: nextId++, repo, issue, body, user: 'someone', updates: 0 };
      comments.push(comment);
      return comment;
    },
    failNext(times, status) {
      failure = { times, status };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };

  function commentJson(c: GithubComment) {
    return {
      id: c.id,
      body: c.body,
      user: { login: c.user },
      html_url: `https://github.com/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      url: `${baseUrl}/repos/${c.repo}/issues/comments/${c.id}`,
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
