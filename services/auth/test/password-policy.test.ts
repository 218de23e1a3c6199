import fc from 'fast-check';
import { ConfigError } from '@support-center/service-kit';
import { loadAuthConfig } from '../src/config';
import { PASSWORD_POLICY, PASSWORD_RULES, passwordProblems } from '../src/domain/password-policy';
import { ADMIN, call, createUser, loginOk, startAuth, type AuthUnderTest } from './support';

const { minLength, maxLength } = PASSWORD_POLICY;

describe('password policy rules', () => {
  it.each([
    ['password', 'grace', [PASSWORD_RULES.minLength]],
    ['12345678', 'grace', [PASSWORD_RULES.minLength]],
    ['        ', 'grace', [PASSWORD_RULES.minLength, PASSWORD_RULES.whitespace]],
    [' '.repeat(12), 'grace', [PASSWORD_RULES.whitespace]],
    ['\t\n '.repeat(5), 'grace', [PASSWORD_RULES.whitespace]],
    ['margaret-hamilton', 'margaret-hamilton', [PASSWORD_RULES.username]],
    ['my-name-is-GRACE!', 'grace', [PASSWORD_RULES.username]],
    ['grace', 'grace', [PASSWORD_RULES.minLength, PASSWORD_RULES.username]],
    ['x'.repeat(maxLength + 1), 'grace', [PASSWORD_RULES.maxLength]],
    ['correct-horse-1', 'grace', []],
    // Short usernames are found only as the whole password: "al" inside a phrase is chance.
    ['totally-al-fine', 'al', []],
    // Code points, not UTF-16 units: 12 emoji are 12 characters, 6 are too few.
    ['🔑'.repeat(12), 'grace', []],
    ['🔑'.repeat(6), 'grace', [PASSWORD_RULES.minLength]],
  ])('%j for %j breaks %j', (password, username, broken) => {
    expect(passwordProblems(password, username)).toEqual(broken);
  });

  it('accepts exactly the passwords of allowed length, with some non-space, without the username', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.stringMatching(/^[a-z0-9._@-]{1,20}$/),
        (password, username) => {
          const length = [...password].length;
          const expected = [
            ...(length < minLength ? [PASSWORD_RULES.minLength] : []),
            ...(length > maxLength ? [PASSWORD_RULES.maxLength] : []),
            ...(password.trim() === '' ? [PASSWORD_RULES.whitespace] : []),
            ...((
              username.length >= 3
                ? password.toLowerCase().includes(username)
                : password.trim().toLowerCase() === username
            )
              ? [PASSWORD_RULES.username]
              : []),
          ];
          expect(passwordProblems(password, username)).toEqual(expected);
        },
      ),
    );
  });

  it('refuses any password that contains the username, whatever the case and the surroundings', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.stringMatching(/^[A-Za-z0-9._@-]{3,20}$/),
        fc.string({ maxLength: 10 }),
        fc.boolean(),
        (before, username, after, upper) => {
          const inside = upper ? username.toUpperCase() : username.toLowerCase();
          expect(passwordProblems(`${before}${inside}${after}`, username)).toContain(PASSWORD_RULES.username);
        },
      ),
    );
  });

  it('refuses a bootstrap admin password that breaks the policy, naming the rule', () => {
    const env = { AUTH_BOOTSTRAP_ADMIN_USERNAME: 'administrator' };
    for (const [password, rule] of [
      ['12345678', PASSWORD_RULES.minLength],
      [' '.repeat(16), PASSWORD_RULES.whitespace],
      ['administrator-2024', PASSWORD_RULES.username],
    ] as const) {
      expect(() => loadAuthConfig({ ...env, AUTH_BOOTSTRAP_ADMIN_PASSWORD: password })).toThrow(ConfigError);
      expect(() => loadAuthConfig({ ...env, AUTH_BOOTSTRAP_ADMIN_PASSWORD: password })).toThrow(rule);
    }
    expect(() =>
      loadAuthConfig({ ...env, AUTH_BOOTSTRAP_ADMIN_PASSWORD: 'correct-horse-battery' }),
    ).not.toThrow();
  });
});

describe('password policy through the API', () => {
  let auth: AuthUnderTest;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth({}, 'pwpolicy');
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(() => auth?.stop());

  const refusal = async (res: Response) => ({
    status: res.status,
    body: (await res.json()) as unknown,
  });
  const namingRule = (rule: string) => ({
    status: 422,
    body: {
      error: {
        code: 'VALIDATION_FAILED',
        details: expect.arrayContaining([{ field: 'password', message: rule }]),
      },
    },
  });

  it.each([
    ['password', PASSWORD_RULES.minLength],
    ['12345678', PASSWORD_RULES.minLength],
    ['        ', PASSWORD_RULES.whitespace],
    [' '.repeat(12), PASSWORD_RULES.whitespace],
    ['mallory-the-great', PASSWORD_RULES.username],
    ['MALLORY-the-great', PASSWORD_RULES.username],
  ])('refuses to create a user with %j: %s', async (password, rule) => {
    const res = await call(auth.url, 'POST', '/api/v1/users', adminToken, {
      username: 'mallory',
      password,
      role: 'employee',
    });
    expect(await refusal(res)).toMatchObject(namingRule(rule));
  });

  it('refuses a weak new password on change, names the rule, and keeps the old one', async () => {
    const user = await createUser(auth.url, adminToken, 'peggy');
    for (const [password, rule] of [
      ['12345678', PASSWORD_RULES.minLength],
      [' '.repeat(20), PASSWORD_RULES.whitespace],
      ['Peggy-password-1', PASSWORD_RULES.username],
    ] as const) {
      const res = await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, { password });
      expect(await refusal(res)).toMatchObject(namingRule(rule));
    }
    await loginOk(auth.url, 'peggy', 'correct-horse-1');
    const changed = await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, {
      password: 'a much longer passphrase',
    });
    expect(changed.status).toBe(200);
    await loginOk(auth.url, 'peggy', 'a much longer passphrase');
  });
});
