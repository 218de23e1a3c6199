import { ADMIN, call, createUser, login, loginOk, startAuth, type AuthUnderTest } from './support';

describe('auth users and input', () => {
  let auth: AuthUnderTest;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth({}, 'users');
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(() => auth?.stop());

  it('lets only admins use the user endpoints', async () => {
    const agent = await createUser(auth.url, adminToken, 'ada', 'agent');
    const agentToken = (await loginOk(auth.url, 'ada', 'correct-horse-1')).accessToken;
    for (const [method, path, body] of [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { username: 'x', password: 'long-enough-1', role: 'admin' }],
      ['GET', `/api/v1/users/${agent.id}`],
      ['PATCH', `/api/v1/users/${agent.id}`, { role: 'admin' }],
    ] as const) {
      expect((await call(auth.url, method, path, undefined, body)).status).toBe(401);
      const forbidden = await call(auth.url, method, path, agentToken, body);
      expect(forbidden.status).toBe(403);
      expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    expect((await call(auth.url, 'GET', '/api/v1/users', 'garbage.token.here')).status).toBe(401);
  });

  it('creates, lists with filters and pages, reads, updates and deactivates users', async () => {
    const created = await call(auth.url, 'POST', '/api/v1/users', adminToken, {
      username: 'linus',
      password: 'correct-horse-1',
      role: 'employee',
      displayName: 'Linus',
      email: 'linus@example.org',
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string };
    expect(user).toMatchObject({
      username: 'linus',
      role: 'employee',
      active: true,
      loginMethod: 'password',
      email: 'linus@example.org',
    });
    expect(user).not.toHaveProperty('passwordHash');

    const duplicate = await call(auth.url, 'POST', '/api/v1/users', adminToken, {
      username: 'LINUS',
      password: 'correct-horse-1',
      role: 'agent',
    });
    expect(duplicate.status).toBe(409);

    await createUser(auth.url, adminToken, 'ken', 'agent');
    await createUser(auth.url, adminToken, 'dennis', 'agent');
    const agents = (await (
      await call(auth.url, 'GET', '/api/v1/users?role=agent&limit=1', adminToken)
    ).json()) as {
      items: { username: string }[];
      nextCursor: string | null;
    };
    expect(agents.items).toHaveLength(1);
    expect(agents.nextCursor).toEqual(expect.any(String));
    const rest = (await (
      await call(auth.url, 'GET', `/api/v1/users?role=agent&limit=10&cursor=${agents.nextCursor}`, adminToken)
    ).json()) as { items: { username: string; role: string }[]; nextCursor: string | null };
    expect(rest.nextCursor).toBeNull();
    expect([...agents.items, ...rest.items].every((u) => (u as { role?: string }).role === 'agent')).toBe(
      true,
    );
    const search = (await (await call(auth.url, 'GET', '/api/v1/users?q=LIN', adminToken)).json()) as {
      items: { username: string }[];
    };
    expect(search.items.map((u) => u.username)).toEqual(['linus']);

    expect((await call(auth.url, 'GET', `/api/v1/users/${user.id}`, adminToken)).status).toBe(200);
    expect((await call(auth.url, 'GET', '/api/v1/users/0123456789abcdef01234567', adminToken)).status).toBe(
      404,
    );

    const tokens = await loginOk(auth.url, 'linus', 'correct-horse-1');
    const patched = await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, {
      role: 'agent',
      active: false,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ role: 'agent', active: false });
    // Deactivation ends the sessions and stops logins.
    expect((await call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken)).status).toBe(401);
    expect((await login(auth.url, 'linus', 'correct-horse-1')).status).toBe(401);
    const inactive = (await (
      await call(auth.url, 'GET', '/api/v1/users?active=false', adminToken)
    ).json()) as { items: { username: string }[] };
    expect(inactive.items.map((u) => u.username)).toEqual(['linus']);
  });

  it('answers bad input with a 4xx naming the field, never a 500', async () => {
    const post = (path: string, body: string, type = 'application/json', token?: string) =>
      fetch(`${auth.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    const missing = await post('/api/v1/auth/login', JSON.stringify({ username: 'x' }));
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'password', message: expect.any(String) }] },
    });
    const wrongType = await post('/api/v1/auth/login', JSON.stringify({ username: 42, password: ['x'] }));
    expect(wrongType.status).toBe(422);
    const fields = (
      (await wrongType.json()) as { error: { details: { field: string }[] } }
    ).error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['username', 'password']));
    const huge = await post(
      '/api/v1/auth/login',
      JSON.stringify({ username: 'a'.repeat(1024 * 1024), password: 'x' }),
    );
    expect(huge.status).toBe(413);
    expect((await post('/api/v1/auth/login', '{"username":')).status).toBe(400);
    expect(
      (await post('/api/v1/auth/login', 'username=a&password=b', 'application/x-www-form-urlencoded')).status,
    ).toBe(415);
    expect((await post('/api/v1/auth/login', 'hello', 'text/plain')).status).toBe(415);
    expect((await post('/api/v1/auth/login', JSON.stringify([1, 2]))).status).toBe(422);
    expect(
      (await post('/api/v1/auth/login', JSON.stringify({ username: 'x', password: 'y', method: 'kerberos' })))
        .status,
    ).toBe(422);
    expect(
      (await post('/api/v1/auth/login', JSON.stringify({ username: 'x', password: 'y', method: 'ldap' })))
        .status,
    ).toBe(422);
    expect((await post('/api/v1/auth/refresh', JSON.stringify({ refreshToken: 'nope' }))).status).toBe(401);
    expect((await post('/api/v1/auth/refresh', JSON.stringify({}))).status).toBe(422);

    const badUser = await post(
      '/api/v1/users',
      JSON.stringify({ username: 'bad name!', role: 'root', email: 'nope' }),
      'application/json',
      adminToken,
    );
    expect(badUser.status).toBe(422);
    const badFields = (
      (await badUser.json()) as { error: { details: { field: string }[] } }
    ).error.details.map((d) => d.field);
    expect(badFields).toEqual(expect.arrayContaining(['username', 'role', 'email']));
    expect((await call(auth.url, 'GET', '/api/v1/users?limit=0', adminToken)).status).toBe(422);
    expect((await call(auth.url, 'GET', '/api/v1/users/not-an-id', adminToken)).status).toBe(422);
    expect(
      (await call(auth.url, 'PATCH', '/api/v1/users/0123456789abcdef01234567', adminToken, {})).status,
    ).toBe(422);
    expect(
      (await call(auth.url, 'PATCH', '/api/v1/users/0123456789abcdef01234567', adminToken, { active: 'no' }))
        .status,
    ).toBe(422);
  });

  it('names bad fields as every service does: each unknown key on its own, the body when it is not an object', async () => {
    const details = async (res: Response) => {
      expect(res.status).toBe(422);
      return ((await res.json()) as { error: { code: string; details: unknown } }).error.details;
    };
    const extraKeys = await call(auth.url, 'POST', '/api/v1/users', adminToken, {
      username: 'grace',
      password: 'correct-horse-1',
      role: 'agent',
      isAdmin: true,
      tenant: 'x',
    });
    expect(await details(extraKeys)).toEqual(
      expect.arrayContaining([
        { field: 'isAdmin', message: 'is not a known field' },
        { field: 'tenant', message: 'is not a known field' },
      ]),
    );
    const notAnObject = await call(auth.url, 'POST', '/api/v1/auth/login', undefined, [1, 2]);
    expect(await details(notAnObject)).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    const badQuery = await call(auth.url, 'GET', '/api/v1/users?limit=0&sort=name', adminToken);
    expect(await details(badQuery)).toEqual(
      expect.arrayContaining([
        { field: 'limit', message: expect.any(String) },
        { field: 'sort', message: 'is not a known field' },
      ]),
    );
  });

  it('serves an OpenAPI document generated from the schemas', async () => {
    const res = await fetch(`${auth.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { properties: object } }> } }>
      >;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/.well-known/jwks.json',
      ]),
    );
    const loginSchema =
      doc.paths['/api/v1/auth/login']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(loginSchema?.properties ?? {})).toEqual(['username', 'password', 'method']);
  });

  it('publishes its public keys with a kid', async () => {
    const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string; d?: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: expect.any(String), alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
