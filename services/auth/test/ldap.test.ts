import { getFreePort } from '@support-center/testing';
import { ADMIN, call, login, startAuth, type AuthUnderTest } from './support';
import {
  LDAP_ADMIN_DN,
  LDAP_ADMIN_PASSWORD,
  LDAP_BASE,
  LDAP_GROUPS,
  startLdap,
  type LdapServer,
} from './ldap-server';

describe('LDAP login', () => {
  let ldap: LdapServer;
  let auth: AuthUnderTest;

  beforeAll(async () => {
    ldap = await startLdap(
      [
        { uid: 'hopper', password: 'cobol-rules', name: 'Grace Hopper', mail: 'grace@example.org' },
        { uid: 'turing', password: 'enigma-1939', name: 'Alan Turing', mail: 'alan@example.org' },
        { uid: 'lovelace', password: 'engine-1843', name: 'Ada Lovelace', mail: 'ada@example.org' },
      ],
      { agents: ['turing'], admins: ['lovelace'] },
    );
    auth = await startAuth(
      {
        LDAP_URL: ldap.url,
        LDAP_BASE_DN: `ou=people,${LDAP_BASE}`,
        LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={{username}}))',
        LDAP_BIND_DN: LDAP_ADMIN_DN,
        LDAP_BIND_PASSWORD: LDAP_ADMIN_PASSWORD,
        LDAP_AGENT_GROUP: LDAP_GROUPS.agents,
        LDAP_ADMIN_GROUP: LDAP_GROUPS.admins,
      },
      'ldap',
    );
  });
  afterAll(async () => {
    await auth?.stop();
    await ldap?.stop();
  });

  it('binds, provisions the user on first login and maps groups to roles', async () => {
    const employee = await login(auth.url, 'hopper', 'cobol-rules', { method: 'ldap' });
    expect(employee.status).toBe(200);
    const tokens = (await employee.json()) as { accessToken: string; user: { id: string; role: string } };
    expect(tokens.user).toMatchObject({ username: 'hopper', role: 'employee' });
    const me = await call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken);
    expect(await me.json()).toMatchObject({
      username: 'hopper',
      displayName: 'Grace Hopper',
      email: 'grace@example.org',
      loginMethod: 'ldap',
    });
    // The second login finds the provisioned user.
    const again = (await (
      await login(auth.url, 'hopper', 'cobol-rules', { method: 'ldap' })
    ).json()) as typeof tokens;
    expect(again.user.id).toBe(tokens.user.id);

    expect(
      (await (await login(auth.url, 'turing', 'enigma-1939', { method: 'ldap' })).json()) as object,
    ).toMatchObject({
      user: { role: 'agent' },
    });
    expect(
      (await (await login(auth.url, 'lovelace', 'engine-1843', { method: 'ldap' })).json()) as object,
    ).toMatchObject({
      user: { role: 'admin' },
    });
  });

  it('refuses a wrong password, an unknown user, filter injection, and a password login of an LDAP user', async () => {
    expect((await login(auth.url, 'turing', 'wrong', { method: 'ldap' })).status).toBe(401);
    expect((await login(auth.url, 'nobody', 'whatever', { method: 'ldap' })).status).toBe(401);
    expect((await login(auth.url, '*', 'enigma-1939', { method: 'ldap' })).status).toBe(401);
    expect((await login(auth.url, 'turing)(uid=*', 'enigma-1939', { method: 'ldap' })).status).toBe(401);
    expect((await login(auth.url, 'turing', 'enigma-1939')).status).toBe(401);
    // A local password user cannot be taken over through the directory.
    expect((await login(auth.url, ADMIN.username, ADMIN.password, { method: 'ldap' })).status).toBe(401);
  });

  it("refuses an LDAP user's password change with 409: their password lives in the directory", async () => {
    const tokens = (await (await login(auth.url, 'lovelace', 'engine-1843', { method: 'ldap' })).json()) as {
      accessToken: string;
    };
    const res = await call(auth.url, 'POST', '/api/v1/auth/password', tokens.accessToken, {
      currentPassword: 'engine-1843',
      newPassword: 'a brand new passphrase',
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('directory'),
    });
    // Nothing changed: the directory's password still logs in.
    expect((await login(auth.url, 'lovelace', 'engine-1843', { method: 'ldap' })).status).toBe(200);
  });

  it('answers 503 when the directory is unreachable', async () => {
    const down = await startAuth(
      {
        LDAP_URL: `ldap://127.0.0.1:${await getFreePort()}`,
        LDAP_BASE_DN: LDAP_BASE,
        LDAP_TIMEOUT_MS: '1000',
      },
      'ldapdown',
    );
    try {
      const res = await login(down.url, 'hopper', 'cobol-rules', { method: 'ldap' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DEPENDENCY_UNAVAILABLE');
    } finally {
      await down.stop();
    }
  });
});
