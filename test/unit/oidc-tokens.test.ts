import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { InputError } from '../../domain/validation';
import { createOidcAuthenticator, oidcSettingsFrom, parseRoleMap, withOidc } from '../../platform/oidc-tokens';
import { AuthError, type Authenticator } from '../../platform/tokens';

// platform/oidc-tokens.ts against a real HTTP issuer (discovery document and JWKS on a local
// port) and real RSA keys: what the gateway does with the Web UI login's access tokens.
describe('OIDC access tokens', () => {
  let server: Server;
  let issuer: string;
  let key: KeyLike;
  let otherKey: KeyLike;
  let discoveryHits = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    ({ privateKey: otherKey } = await generateKeyPair('RS256'));
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        discoveryHits += 1;
        return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      }
      if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [publicJwk] }));
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const settings = () =>
    oidcSettingsFrom({
      ARXFLOW_OIDC_ISSUER: issuer,
      ARXFLOW_OIDC_AUDIENCE: 'urn:arxflow:gateway',
      ARXFLOW_OIDC_ROLE_MAP: 'approvers=approver,signatories=signatory+approver',
    })!;
  const token = (claims: Record<string, unknown>, options: { signer?: KeyLike; ttl?: string; aud?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('rita')
      .setIssuer(issuer)
      .setAudience(options.aud ?? 'urn:arxflow:gateway')
      .setIssuedAt()
      .setExpirationTime(options.ttl ?? '1h')
      .sign(options.signer ?? key);
  const refusal = (authenticator: Authenticator, jwt: string) =>
    authenticator.verify(jwt).then(
      () => 'accepted',
      (err: unknown) => (err instanceof AuthError ? `${err.statusCode} ${err.message}` : String(err)),
    );

  it('takes the person from sub and the roles from the groups claim, through the role map; the JWKS from discovery, once', async () => {
    const authenticator = createOidcAuthenticator(settings());
    expect(await authenticator.verify(await token({ groups: ['signatories', 'unknown-group'] }))).toEqual({
      subject: 'rita',
      roles: ['signatory', 'approver'],
    });
    expect(await authenticator.verify(await token({ groups: ['approvers'] }))).toEqual({
      subject: 'rita',
      roles: ['approver'],
    });
    expect(discoveryHits).toBe(1);
  });

  it('refuses (401) a token signed by another key, for another audience, expired, or living past the maximum', async () => {
    const authenticator = createOidcAuthenticator(settings());
    expect(await refusal(authenticator, await token({}, { signer: otherKey }))).toMatch(
      /^401 invalid OIDC access token: signature verification failed/,
    );
    expect(await refusal(authenticator, await token({}, { aud: 'someone-else' }))).toMatch(/^401 .*"aud"/);
    expect(await refusal(authenticator, await token({}, { ttl: '-5m' }))).toMatch(/^401 .*"exp"/);
    expect(await refusal(authenticator, await token({}, { ttl: '30h' }))).toMatch(
      /^401 invalid OIDC access token: lifetime 30h .* exceeds the maximum of 12h/,
    );
  });

  it("withOidc sends a token to the provider's keys by its iss, any other to the gateway's", async () => {
    const gateway: Authenticator = { verify: () => Promise.resolve({ subject: 'gateway-token', roles: [] }) };
    const both = withOidc(gateway, settings());
    expect((await both.verify(await token({ groups: ['approvers'] }))).subject).toBe('rita');
    expect((await both.verify('not-a-jwt')).subject).toBe('gateway-token');
    expect(await refusal(both, await token({}, { signer: otherKey }))).toMatch(/^401 /);
    expect(withOidc(gateway, undefined)).toBe(gateway);
  });

  it('names the variable of a bad setting', () => {
    expect(oidcSettingsFrom({})).toBeUndefined();
    expect(() => oidcSettingsFrom({ ARXFLOW_OIDC_ISSUER: 'not a url' })).toThrow(/^ARXFLOW_OIDC_ISSUER: /);
    expect(() => oidcSettingsFrom({ ARXFLOW_OIDC_ISSUER: 'https://login.example.com' })).toThrow(
      /^ARXFLOW_OIDC_AUDIENCE: required/,
    );
    expect(() => parseRoleMap('approvers')).toThrow(InputError);
    expect(() => parseRoleMap('approvers=Approver!')).toThrow(/ARXFLOW_OIDC_ROLE_MAP: "approvers=Approver!"/);
    expect(parseRoleMap('a=viewer, a=operator,b=approver+signatory')).toEqual(
      new Map([
        ['a', ['viewer', 'operator']],
        ['b', ['approver', 'signatory']],
      ]),
    );
  });
});
