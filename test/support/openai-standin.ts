import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for OpenAI's chat completions endpoint (`POST /v1/chat/completions`), so
 * tests run the official `openai` client unchanged against it (`baseURL: standin.baseUrl`).
 * It checks a request as the API does for structured outputs (bearer key, model, messages,
 * `response_format: { type: "json_schema", json_schema: { name, strict, schema } }`) and
 * answers 400/401 with OpenAI's error body when they are wrong. What the model "says" is
 * the test's: an answer function gets the request and returns JSON content, a refusal, an
 * HTTP error or a hang (the connection is held until the client gives up or the server
 * closes). Like a compatible server that does not enforce the schema, it sends the content
 * as given: checking it is the client's job. Every request is recorded.
 */

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  responseFormat: { name: string; strict?: boolean; schema: Record<string, unknown> };
  /** The last user message's text. */
  userText: string;
  authorization: string | undefined;
  /** What was answered: "content", "refusal", "hang", or an HTTP status as text. */
  outcome?: string;
}

export type StandinAnswer =
  { content: unknown } | { refusal: string } | { hang: true } | { status: number; message: string; type?: string };

export interface OpenAiStandin {
  /** Pass as the client's `baseURL` (ends with /v1). */
  baseUrl: string;
  /** The key the stand-in accepts (`Authorization: Bearer <apiKey>`). */
  apiKey: string;
  /** How the next requests are answered (until changed). */
  answerWith(answer: (request: ChatRequest) => StandinAnswer): void;
  requests(): ChatRequest[];
  close(): Promise<void>;
}

export async function startOpenAiStandin(options: { apiKey?: string } = {}): Promise<OpenAiStandin> {
  const apiKey = options.apiKey ?? 'sk-standin-key';
  let answer: (request: ChatRequest) => StandinAnswer = () => ({ status: 500, message: 'no answer configured' });
  const requests: ChatRequest[] = [];
  let completions = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string, type = 'invalid_request_error', param: string | null = null) =>
      reply(status, { error: { message, type, param, code: null } });

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/chat/completions') {
      return error(404, `Unknown request URL: ${req.method} ${req.url}`);
    }
    const authorization = req.headers.authorization;
    if (authorization !== `Bearer ${apiKey}`) {
      return error(401, 'Incorrect API key provided.', 'invalid_request_error');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return error(400, 'We could not parse the JSON body of your request.');
    }
    const problem = requestProblem(body);
    if (problem) return error(400, problem.message, 'invalid_request_error', problem.param);

    const messages = body.messages as ChatRequest['messages'];
    const format = (body.response_format as { json_schema: ChatRequest['responseFormat'] }).json_schema;
    const request: ChatRequest = {
      model: body.model as string,
      messages,
      responseFormat: format,
      userText: [...messages].reverse().find((m) => m.role === 'user')?.content ?? '',
      authorization,
    };
    requests.push(request);
    const answered = answer(request);
    if ('hang' in answered) {
      // Held until the client aborts (its timeout) or close() drops the connection.
      request.outcome = 'hang';
      return;
    }
    if ('status' in answered) {
      request.outcome = String(answered.status);
      return error(answered.status, answered.message, answered.type ?? 'server_error');
    }
    const refusal = 'refusal' in answered ? answered.refusal : null;
    request.outcome = refusal === null ? 'content' : 'refusal';
    completions += 1;
    reply(200, {
      id: `chatcmpl-standin-${completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'content' in answered ? JSON.stringify(answered.content) : null,
            refusal,
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    answerWith: (next) => {
      answer = next;
    },
    requests: () => [...requests],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The checks the API makes on a structured-output chat request, with the field it names. */
function requestProblem(body: Record<string, unknown>): { message: string; param: string } | undefined {
  if (typeof body.model !== 'string' || !body.model)
    return { message: "Missing required parameter: 'model'.", param: 'model' };
  const messages = body.messages;
  if (
    !Array.isArray(messages) ||
    messages.length === 0 ||
    !messages.every(
      (m: { role?: unknown; content?: unknown }) => typeof m?.role === 'string' && typeof m.content === 'string',
    )
  ) {
    return { message: "Invalid 'messages': an array of {role, content} is required.", param: 'messages' };
  }
  const format = body.response_format as { type?: unknown; json_schema?: Record<string, unknown> } | undefined;
  if (format?.type !== 'json_schema') {
    return {
      message: "This stand-in answers structured outputs only: 'response_format.type' must be 'json_schema'.",
      param: 'response_format',
    };
  }
  const schema = format.json_schema;
  if (typeof schema?.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(schema.name)) {
    return { message: "Invalid 'response_format.json_schema.name'.", param: 'response_format.json_schema.name' };
  }
  if (typeof schema.schema !== 'object' || schema.schema === null) {
    return {
      message: "Missing required parameter: 'response_format.json_schema.schema'.",
      param: 'response_format.json_schema.schema',
    };
  }
  if (schema.strict === true) {
    const loose = nonStrictPath(schema.schema, 'schema');
    if (loose) {
      return {
        message: `Invalid schema for response_format '${schema.name}': In context=(${loose}), 'additionalProperties' is required to be supplied and to be false, and all properties must be required.`,
        param: 'response_format',
      };
    }
  }
  return undefined;
}

/** The path of the first object schema strict mode refuses (open, or a property not required). */
function nonStrictPath(node: unknown, path: string): string | undefined {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) {
      const found = nonStrictPath(child, `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (record.type === 'object') {
    const properties = Object.keys((record.properties as Record<string, unknown> | undefined) ?? {});
    const required = new Set((record.required as string[] | undefined) ?? []);
    if (record.additionalProperties !== false || properties.some((p) => !required.has(p))) return path;
  }
  for (const [key, child] of Object.entries(record)) {
    const found = nonStrictPath(child, `${path}/${key}`);
    if (found) return found;
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
