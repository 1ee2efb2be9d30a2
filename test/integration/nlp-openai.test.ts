import { INTENTS } from '../../domain/nlp/nlp-types';
import { checkOpenAiAnswer } from '../../client/nlp/openai-schema';
import { translate } from '../../client/nlp/translate';
import { startOpenAiStandin, type OpenAiStandin } from '../support/openai-standin';

/**
 * The OpenAI engine through the official `openai` client against a local OpenAI-compatible
 * server (test/support/openai-standin.ts), which refuses a request whose structured-output
 * schema strict mode would refuse. Whatever goes wrong on the hosted side, the local engine
 * answers and `warnings` says why; a fallback is compared with the local engine's own answer
 * for the same text, not with a written-down one.
 */

const DEPLOY_TEXT = 'despliega checkout 1.4.2';
const ACK_TEXT = 'ack the checkout alert pls';

describe('OpenAI engine against an OpenAI-compatible stand-in', () => {
  let standin: OpenAiStandin;
  let env: Record<string, string>;

  beforeAll(async () => {
    standin = await startOpenAiStandin();
    env = { OPENAI_API_KEY: standin.apiKey, OPENAI_BASE_URL: standin.baseUrl, ARXFLOW_NLP_MODEL: 'standin-model-1' };
  });
  afterAll(() => standin.close());

  const asked = () => standin.requests().length;

  it('accepts a structured answer: engine openai, nulls are absent args, command and confirmation from the intent', async () => {
    standin.answerWith((request) =>
      request.userText === DEPLOY_TEXT
        ? {
            content: {
              proposal: { intent: 'deploy.start', args: { service: 'checkout', version: '1.4.2', environment: null } },
              confidence: 0.91,
            },
          }
        : { content: { proposal: { intent: 'unknown', args: {} }, confidence: 0.2 } },
    );
    const before = asked();
    const translation = await translate(DEPLOY_TEXT, { engine: 'openai', env });

    expect(translation).toMatchObject({
      intent: 'deploy.start',
      args: { service: 'checkout', version: '1.4.2' },
      confidence: 0.91,
      needsConfirmation: true,
      engine: 'openai',
    });
    expect(translation.args).not.toHaveProperty('environment');
    expect(translation.command).toContain('checkout');
    expect(translation.command).toContain('1.4.2');
    expect((translation.warnings ?? []).join(' ')).not.toMatch(/openai/i);

    // One request, as the API expects it: the key, the configured model, the text, a strict schema of every intent.
    expect(asked()).toBe(before + 1);
    const request = standin.requests().at(-1)!;
    expect(request.authorization).toBe(`Bearer ${standin.apiKey}`);
    expect(request.model).toBe('standin-model-1');
    expect(request.userText).toBe(DEPLOY_TEXT);
    expect(request.responseFormat.strict).toBe(true);
    const variants = (request.responseFormat.schema as { properties: { proposal: { anyOf: unknown[] } } }).properties
      .proposal.anyOf as { properties: { intent: { const: string } } }[];
    expect(variants.map((v) => v.properties.intent.const)).toEqual([...INTENTS]);
  });

  it('rejects an answer with an intent outside the schema: the local engine answers, with a warning', async () => {
    standin.answerWith(() => ({ content: { proposal: { intent: 'cluster.delete', args: {} }, confidence: 1 } }));
    const before = asked();
    const translation = await translate(ACK_TEXT, { engine: 'openai', env });
    const local = await translate(ACK_TEXT);

    expect(asked()).toBe(before + 1);
    expect(local.intent).toBe('alerts.ack');
    expect(translation.engine).toBe('local');
    expect(translation.intent).toBe(local.intent);
    expect(translation.args).toEqual(local.args);
    expect(translation.command).toBe(local.command);
    expect(translation.warnings?.[0]).toMatch(
      /^openai engine invalid answer: proposal\.intent: .*; the local engine answered$/,
    );
  });

  it('rejects an arg outside its intent schema, and a malformed one', async () => {
    standin.answerWith((request) =>
      request.userText === 'extra'
        ? {
            content: {
              proposal: { intent: 'deploy.status', args: { service: 'checkout', force: true } },
              confidence: 1,
            },
          }
        : {
            content: {
              proposal: { intent: 'funding.status', args: { projectId: 'proj-7', milestoneId: 'M3' } },
              confidence: 1,
            },
          },
    );
    const extra = await translate('extra', { engine: 'openai', env });
    expect(extra.engine).toBe('local');
    expect(extra.warnings?.[0]).toMatch(/invalid answer: deploy\.status: args: .*force/);

    const lower = await translate('lower', { engine: 'openai', env });
    expect(lower.engine).toBe('local');
    expect(lower.warnings?.[0]).toMatch(/invalid answer: funding\.status: args\.projectId: /);
  });

  it('falls back to the local engine on a timeout, without retrying', async () => {
    standin.answerWith(() => ({ hang: true }));
    const before = asked();
    const started = Date.now();
    const translation = await translate(ACK_TEXT, { engine: 'openai', env, openai: { timeoutMs: 300 } });
    const elapsed = Date.now() - started;
    const local = await translate(ACK_TEXT);

    expect(translation.engine).toBe('local');
    expect(translation.intent).toBe(local.intent);
    expect(translation.args).toEqual(local.args);
    expect(translation.warnings?.[0]).toBe('openai engine timed out after 300 ms; the local engine answered');
    // Given up by the client's timeout while the stand-in still holds the request (a loaded machine: generous bound).
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(standin.requests().at(-1)?.outcome).toBe('hang');
    expect(elapsed).toBeLessThan(10_000);
    expect(asked()).toBe(before + 1);
  });

  it('falls back on a refusal, an HTTP error and a server that is not there', async () => {
    standin.answerWith((request) =>
      request.userText === 'refuse'
        ? { refusal: "I can't help with that." }
        : { status: 503, message: 'The server is overloaded.' },
    );
    const refused = await translate('refuse', { engine: 'openai', env });
    expect(refused.engine).toBe('local');
    expect(refused.warnings?.[0]).toBe("openai engine refused: I can't help with that.; the local engine answered");

    const overloaded = await translate('overloaded', { engine: 'openai', env });
    expect(overloaded.engine).toBe('local');
    expect(overloaded.warnings?.[0]).toMatch(/^openai engine HTTP 503: .*overloaded.*; the local engine answered$/);

    const down = await startOpenAiStandin();
    await down.close();
    const unreachable = await translate('refuse', { engine: 'openai', env: { ...env, OPENAI_BASE_URL: down.baseUrl } });
    expect(unreachable.engine).toBe('local');
    expect(unreachable.warnings?.[0]).toMatch(/^openai engine not reachable: .*; the local engine answered$/);

    const wrongKey = await translate('refuse', { engine: 'openai', env: { ...env, OPENAI_API_KEY: 'sk-wrong' } });
    expect(wrongKey.engine).toBe('local');
    expect(wrongKey.warnings?.[0]).toMatch(/^openai engine HTTP 401: /);
  });

  it('reads OPENAI_API_KEY, OPENAI_BASE_URL and ARXFLOW_NLP_MODEL from the environment by default', async () => {
    standin.answerWith(() => ({
      content: { proposal: { intent: 'deploy.status', args: { service: 'checkout' } }, confidence: 0.7 },
    }));
    const saved = { ...process.env };
    Object.assign(process.env, env, { ARXFLOW_NLP_MODEL: 'from-process-env' });
    try {
      const translation = await translate('how is checkout doing', { engine: 'openai' });
      expect(translation).toMatchObject({ intent: 'deploy.status', args: { service: 'checkout' }, engine: 'openai' });
      expect(standin.requests().at(-1)?.model).toBe('from-process-env');
    } finally {
      for (const key of Object.keys(env)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('asks nothing without a key, for empty text, or when the local engine is asked for (the default)', async () => {
    standin.answerWith(() => ({ status: 500, message: 'should not be asked' }));
    const before = asked();

    const noKey = await translate(ACK_TEXT, { engine: 'openai', env: { OPENAI_BASE_URL: standin.baseUrl } });
    expect(noKey.engine).toBe('local');
    expect(noKey.warnings?.[0]).toBe('openai engine not used: OPENAI_API_KEY is not set; the local engine answered');

    const empty = await translate('   ', { engine: 'openai', env });
    expect(empty).toMatchObject({ intent: 'unknown', engine: 'local', command: null });

    const byDefault = await translate(ACK_TEXT, { env });
    expect(byDefault.engine).toBe('local');
    expect(byDefault.warnings ?? []).toEqual((await translate(ACK_TEXT, { engine: 'local' })).warnings ?? []);

    expect(asked()).toBe(before);
  });
});

describe('checkOpenAiAnswer', () => {
  it('accepts a valid answer and drops null (absent) args', () => {
    const checked = checkOpenAiAnswer(
      JSON.stringify({
        proposal: { intent: 'funding.approve', args: { projectId: 'PROJ-7', milestoneId: 'M3', amount: null } },
        confidence: 0.8,
      }),
    );
    expect(checked).toEqual({
      ok: true,
      proposal: { intent: 'funding.approve', args: { projectId: 'PROJ-7', milestoneId: 'M3' } },
      confidence: 0.8,
    });
  });

  it.each([
    ['not JSON', '{"proposal":', /not JSON/],
    ['a missing confidence', JSON.stringify({ proposal: { intent: 'unknown', args: {} } }), /^confidence: /],
    [
      'a confidence above 1',
      JSON.stringify({ proposal: { intent: 'unknown', args: {} }, confidence: 1.5 }),
      /^confidence: /,
    ],
    [
      'an extra top-level field',
      JSON.stringify({ proposal: { intent: 'unknown', args: {} }, confidence: 1, run: true }),
      /run/,
    ],
    [
      'an amount in dollars',
      JSON.stringify({
        proposal: { intent: 'funding.approve', args: { projectId: 'PROJ-7', milestoneId: 'M3', amount: 12.5 } },
        confidence: 1,
      }),
      /args\.amount/,
    ],
    [
      'a missing required arg',
      JSON.stringify({ proposal: { intent: 'deploy.start', args: { service: 'checkout' } }, confidence: 1 }),
      /deploy\.start: args\.version/,
    ],
  ])('refuses %s', (_name, content, reason) => {
    const checked = checkOpenAiAnswer(content);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.reason).toMatch(reason);
  });
});
