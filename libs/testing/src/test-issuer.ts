import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';

/** What the auth service puts in its access tokens (libs/service-kit/src/auth reads them). */
export interface TestUser {
  id: string;
  username: string;
  role: 'employee' | 'agent' | 'admin';
}

export interface TestIssuer {
  /** Serves `{keys: [...]}` as the auth service's /.well-known/jwks.json does. */
  jwksUrl: string;
  /** A signed access token, valid for `expiresIn` (a jose duration such as '15m' or '-1m'). */
  token(
    user: TestUser,
    options?: { expiresIn?: string; audience?: string; issuer?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

const ISSUER = 'support-center-auth';
const AUDIENCE = 'support-center';

/**
 * An access-token issuer for the tests of services that verify tokens, so they need not run
 * the auth service: an EdDSA key, its JWKS on a local port, and tokens with the auth claims.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = `test-${Date.now().toString(36)}`;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] });
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  const { port } = server.address() as AddressInfo;

  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    token: (user, options = {}) => sign(privateKey, kid, user, options),
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

function sign(
  key: KeyLike,
  kid: string,
  user: TestUser,
  {
    expiresIn = '15m',
    audience = AUDIENCE,
    issuer = ISSUER,
  }: { expiresIn?: string; audience?: string; issuer?: string },
): Promise<string> {
  return new SignJWT({ username: user.username, role: user.role })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject(user.id)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn.startsWith('-') ? Math.floor(Date.now() / 1000) - 60 : expiresIn)
    .sign(key);
}
