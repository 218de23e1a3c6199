import { createHmac } from 'node:crypto';
import type { TestIssuer, TestUser } from '@support-center/testing';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(user: TestUser, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: user.id,
    username: user.username,
    role: user.role,
    iss: 'support-center-auth',
    aud: 'support-center',
    iat: now,
    exp: now + 900,
    ...overrides,
  };
}

/**
 * Access tokens every service must refuse with a 401 (4401 on a socket), by name: the classic
 * JWT attacks and mistakes of issue 22 ("invalid JWTs").
 */
export async function invalidTokens(
  issuer: TestIssuer,
  otherIssuer: TestIssuer,
  user: TestUser,
): Promise<Record<string, string>> {
  const valid = await issuer.token(user);
  const [header = '', , signature = ''] = valid.split('.');
  const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
  const tampered = (overrides: Record<string, unknown>) =>
    `${header}.${b64({ ...JSON.parse(Buffer.from(valid.split('.')[1] ?? '', 'base64url').toString()), ...overrides })}.${signature}`;
  const hs256 = (() => {
    const head = b64({ alg: 'HS256', typ: 'JWT', kid });
    const body = b64(claims(user, { role: 'admin' }));
    const mac = createHmac('sha256', kid).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${mac}`;
  })();
  return {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(user, { role: 'admin' }))}.`,
    'alg none with the issuer kid': `${b64({ alg: 'none', kid })}.${b64(claims(user))}.`,
    'another issuer key': await otherIssuer.token(user),
    'another issuer key under this kid': await signedElsewhereWithKid(otherIssuer, user, kid),
    expired: await issuer.token(user, { expiresIn: '-1m' }),
    'tampered role (payload re-encoded, not re-signed)': tampered({ role: 'admin' }),
    'tampered subject': tampered({ sub: 'fuzz-admin' }),
    'wrong audience': await issuer.token(user, { audience: 'someone-else' }),
    'wrong issuer': await issuer.token(user, { issuer: 'https://evil.example' }),
    'HS256 keyed with public data (algorithm confusion)': hs256,
    'signature stripped': `${header}.${valid.split('.')[1]}.`,
    'not a JWT': 'not-a-token',
    'header not JSON': `${Buffer.from('{{{').toString('base64url')}.${b64(claims(user))}.${signature}`,
    'header an array': `${b64([1, 2])}.${b64(claims(user))}.${signature}`,
    'critical unknown extension': `${b64({ alg: 'EdDSA', kid, crit: ['x-unknown'], 'x-unknown': 1 })}.${b64(claims(user))}.${signature}`,
    'b64 false': `${b64({ alg: 'EdDSA', kid, b64: false, crit: ['b64'] })}.${b64(claims(user))}.${signature}`,
    'kid not a string': `${b64({ alg: 'EdDSA', kid: { $ne: null } })}.${b64(claims(user))}.${signature}`,
    'jku pointing elsewhere': `${b64({ alg: 'EdDSA', kid: 'x', jku: 'http://127.0.0.1:1/jwks' })}.${b64(claims(user))}.${signature}`,
    'embedded jwk': `${b64({ alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } })}.${b64(claims(user))}.${signature}`,
    'role not a known role': tampered({ role: 'root' }),
  };
}

/** A token signed by another key but claiming this issuer's key id. */
async function signedElsewhereWithKid(other: TestIssuer, user: TestUser, kid: string): Promise<string> {
  const token = await other.token(user);
  const [, body, signature] = token.split('.');
  return `${b64({ alg: 'EdDSA', kid })}.${body}.${signature}`;
}
