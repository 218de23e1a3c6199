import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestIssuer, type TestIssuer } from '../src';

describe('startTestIssuer', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer.close());

  it('signs tokens its JWKS verifies, with the auth service claims', async () => {
    const token = await issuer.token({ id: 'u1', username: 'ann', role: 'agent' });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), {
      issuer: 'support-center-auth',
      audience: 'support-center',
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload).toMatchObject({ sub: 'u1', username: 'ann', role: 'agent' });
  });

  it('signs expired tokens on request', async () => {
    const token = await issuer.token({ id: 'u1', username: 'ann', role: 'agent' }, { expiresIn: '-1m' });
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)))).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
  });
});
