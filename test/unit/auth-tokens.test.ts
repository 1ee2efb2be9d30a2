import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { AuthError, createAuthenticator, createToken } from '../../platform/tokens';
import { parseSettings } from '../../domain/settings';
import { InputError } from '../../domain/validation';

const SECRET = 'token-rules-secret-that-is-32-chars-long';
const settings = parseSettings({ ARXFLOW_JWT_SECRET: SECRET });
const authenticator = createAuthenticator(settings);
const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** A correctly signed token with exactly the time claims given (none added). */
function sign(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT({ roles: ['viewer'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ana')
    .setIssuer('arxflow')
    .setAudience('arxflow')
    .sign(new TextEncoder().encode(secret));
}

async function refusal(token: string, using = authenticator): Promise<string> {
  const err = await using.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).statusCode).toBe(401);
  return (err as AuthError).message;
}

describe('gateway token rules', () => {
  it('refuses a token without exp, naming the claim', async () => {
    expect(await refusal(await sign({ iat: now() }))).toBe('invalid token: no expiry (exp claim): tokens must expire');
  });

  it('refuses a lifetime above ARXFLOW_JWT_MAX_LIFETIME (default 12h): exp - iat, or exp - now without iat', async () => {
    expect(await refusal(await sign({ iat: now(), exp: now() + 13 * HOUR }))).toMatch(
      /lifetime 13h \(exp - iat\) exceeds the maximum of 12h \(ARXFLOW_JWT_MAX_LIFETIME\)/,
    );
    expect(await refusal(await sign({ exp: now() + 24 * HOUR }))).toMatch(/\(exp - now\) exceeds the maximum of 12h/);
    // An old token that is still valid: its lifetime counts from iat, not from now.
    expect(await refusal(await sign({ iat: now() - 20 * HOUR, exp: now() + HOUR }))).toMatch(
      /lifetime 21h \(exp - iat\)/,
    );
    await expect(authenticator.verify(await sign({ iat: now(), exp: now() + 12 * HOUR }))).resolves.toMatchObject({
      subject: 'ana',
    });
    await expect(authenticator.verify(await sign({ exp: now() + HOUR }))).resolves.toMatchObject({ subject: 'ana' });

    const longer = createAuthenticator(
      parseSettings({ ARXFLOW_JWT_SECRET: SECRET, ARXFLOW_JWT_MAX_LIFETIME: '2 days' }),
    );
    await expect(longer.verify(await sign({ iat: now(), exp: now() + 30 * HOUR }))).resolves.toMatchObject({
      subject: 'ana',
    });
    expect(() => parseSettings({ ARXFLOW_JWT_MAX_LIFETIME: 'forever' })).toThrow(
      /ARXFLOW_JWT_MAX_LIFETIME: must be a duration/,
    );
  });

  it('refuses iat and nbf in the future beyond 60 s of clock skew, naming the claim', async () => {
    expect(await refusal(await sign({ iat: now() + 300, exp: now() + HOUR }))).toMatch(
      /iat claim is 30\ds in the future \(at most 60s of clock skew/,
    );
    expect(await refusal(await sign({ iat: now(), nbf: now() + 300, exp: now() + HOUR }))).toMatch(
      /not valid yet \(nbf claim is more than 60s in the future\)/,
    );
    await expect(
      authenticator.verify(await sign({ iat: now() + 30, nbf: now() + 30, exp: now() + HOUR })),
    ).resolves.toMatchObject({ subject: 'ana' });
  });

  it('still refuses an expired token and one signed with another secret', async () => {
    expect(await refusal(await sign({ iat: now() - 2 * HOUR, exp: now() - HOUR }))).toMatch(/"exp" claim/);
    expect(
      await refusal(await sign({ iat: now(), exp: now() + HOUR }, 'another-secret-another-secret-another!')),
    ).toMatch(/signature/);
  });

  it('createToken does not mint above the maximum lifetime (InputError naming ttl)', async () => {
    await expect(createToken(settings, { subject: 'ana', roles: ['viewer'], ttl: '13h' })).rejects.toThrow(InputError);
    await expect(createToken(settings, { subject: 'ana', roles: ['viewer'], ttl: '13h' })).rejects.toThrow(
      /ttl: 13h is longer than the maximum token lifetime 12h \(ARXFLOW_JWT_MAX_LIFETIME\)/,
    );
    await expect(
      authenticator.verify(await createToken(settings, { subject: 'ana', roles: ['viewer'], ttl: '12h' })),
    ).resolves.toMatchObject({ subject: 'ana' });
  });

  it('arxflow token create --ttl above the maximum exits 2 with the rule', () => {
    const bin = path.resolve(__dirname, '..', '..', 'bin', 'arxflow.js');
    const run = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync('node', [bin, 'token', 'create', '--sub', 'ana', '--role', 'viewer', ...args], {
        env: { ...process.env, ARXFLOW_JWT_SECRET: SECRET, ARXFLOW_URL: '', ARXFLOW_TOKEN: '', ...extra },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const refused = run(['--ttl', '7d']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      'ttl: 7d is longer than the maximum token lifetime 12h (ARXFLOW_JWT_MAX_LIFETIME)',
    );
    expect(refused.stdout).toBe('');
    expect(run(['--ttl', '7d'], { ARXFLOW_JWT_MAX_LIFETIME: '8d' }).status).toBe(0);
  });
});
