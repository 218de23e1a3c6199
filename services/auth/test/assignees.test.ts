import { ADMIN, call, loginOk, startAuth, type AuthUnderTest } from './support';

interface Assignee {
  id: string;
  username: string;
  displayName: string;
  role: string;
}
interface Page {
  items: Assignee[];
  nextCursor: string | null;
}

describe('assignee picker', () => {
  let auth: AuthUnderTest;
  let adminToken: string;
  let agentToken: string;
  let employeeToken: string;
  const created: Record<string, Assignee & { active: boolean }> = {};

  // Display names out of order, with regex characters and mixed case; employees and a
  // deactivated agent who must never be listed.
  const PEOPLE: [string, string, string, boolean][] = [
    ['zed', 'Zed Agent', 'agent', true],
    ['amy', 'Amy Pond', 'agent', true],
    ['boss', 'Boss (Admin)', 'admin', true],
    ['plus', 'a+b Support', 'agent', true],
    ['mia', 'Mia Employee', 'employee', true],
    ['gone', 'Gone Agent', 'agent', false],
    ['dot', 'Dotty', 'agent', true],
  ];

  beforeAll(async () => {
    auth = await startAuth({}, 'assignees');
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
    for (const [username, displayName, role, active] of PEOPLE) {
      const res = await call(auth.url, 'POST', '/api/v1/users', adminToken, {
        username,
        displayName,
        role,
        password: 'correct-horse-1',
      });
      expect(res.status).toBe(201);
      const user = (await res.json()) as Assignee;
      if (!active)
        expect(
          (await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, { active: false })).status,
        ).toBe(200);
      created[username] = { ...user, active };
    }
    agentToken = (await loginOk(auth.url, 'amy', 'correct-horse-1')).accessToken;
    employeeToken = (await loginOk(auth.url, 'mia', 'correct-horse-1')).accessToken;
  });
  afterAll(() => auth?.stop());

  const list = async (query: string, token = agentToken) => {
    const res = await call(auth.url, 'GET', `/api/v1/users/assignees${query}`, token);
    return {
      status: res.status,
      body: (await res.json()) as Page & { error?: { code: string; details: unknown } },
    };
  };
  const view = (username: string) => {
    const { id, displayName, role } = created[username] as Assignee;
    return { id, username, displayName, role };
  };
  // The bootstrap admin is an assignee too (displayName = its username).
  const root = async () => {
    const me = (await (await call(auth.url, 'GET', '/api/v1/auth/me', adminToken)).json()) as Assignee;
    return { id: me.id, username: me.username, displayName: me.displayName, role: 'admin' };
  };

  it('lists the active agents and admins, by display name, with only what a picker needs', async () => {
    const { status, body } = await list('');
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [view('boss'), view('dot'), view('amy'), view('zed'), view('plus'), await root()].sort((a, b) =>
        a.displayName < b.displayName ? -1 : 1,
      ),
      nextCursor: null,
    });
  });

  it('searches username and display name case-insensitively, taking the text literally', async () => {
    expect((await list('?q=AGENT')).body.items.map((a) => a.username)).toEqual(['zed']);
    expect((await list('?q=pon')).body.items.map((a) => a.username)).toEqual(['amy']);
    expect((await list('?q=BOS')).body.items.map((a) => a.username)).toEqual(['boss']);
    expect((await list(`?q=${encodeURIComponent('a+b')}`)).body.items.map((a) => a.username)).toEqual([
      'plus',
    ]);
    expect((await list(`?q=${encodeURIComponent('(admin)')}`)).body.items.map((a) => a.username)).toEqual([
      'boss',
    ]);
    for (const pattern of ['.*', '^', '[a-z]', '\\', '$ne', '|'])
      expect((await list(`?q=${encodeURIComponent(pattern)}`)).body.items).toEqual([]);
    // Employees and deactivated agents are never found.
    expect((await list('?q=mia')).body.items).toEqual([]);
    expect((await list('?q=gone')).body.items).toEqual([]);
  });

  it('pages with a cursor: every page size walks the whole list once, in order', async () => {
    const all = (await list('?limit=100')).body.items;
    for (const limit of [1, 2, 3, 5]) {
      const walked: Assignee[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: Page } = await list(
          `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        walked.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(walked).toEqual(all);
    }
  });

  it('lets agents and admins use it, not employees nor anonymous callers; bad input is a 422', async () => {
    expect((await list('', adminToken)).status).toBe(200);
    const employee = await list('', employeeToken);
    expect(employee.status).toBe(403);
    expect(employee.body.error?.code).toBe('FORBIDDEN');
    expect((await call(auth.url, 'GET', '/api/v1/users/assignees')).status).toBe(401);
    for (const query of ['?limit=0', '?limit=101', '?cursor=nonsense', '?cursor=e30', '?q=', '?role=agent']) {
      const res = await list(query);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({
        query,
        status: 422,
        code: 'VALIDATION_FAILED',
      });
    }
    // The admin-only user list stays admin-only.
    expect((await call(auth.url, 'GET', '/api/v1/users', agentToken)).status).toBe(403);
  });

  it('is in the OpenAPI document with its parameters, and so are the self-service routes', async () => {
    const doc = (await (await fetch(`${auth.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const picker = doc.paths['/api/v1/users/assignees']?.get as {
      parameters: { name: string }[];
      responses: Record<string, { content?: Record<string, { schema: { properties: object } }> }>;
    };
    expect(picker.parameters.map((p) => p.name)).toEqual(['q', 'limit', 'cursor']);
    expect(Object.keys(picker.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '422']));
    const page = picker.responses['200']?.content?.['application/json']?.schema as {
      properties: { items: { items: { properties: object } } };
    };
    expect(Object.keys(page.properties.items.items.properties)).toEqual([
      'id',
      'username',
      'displayName',
      'role',
    ]);
    const password = doc.paths['/api/v1/auth/password']?.post as {
      requestBody: { content: Record<string, { schema: { properties: object } }> };
    };
    expect(Object.keys(password.requestBody.content['application/json']?.schema.properties ?? {})).toEqual([
      'currentPassword',
      'newPassword',
    ]);
    expect(doc.paths['/api/v1/auth/logout-all']?.post).toBeDefined();
  });
});
