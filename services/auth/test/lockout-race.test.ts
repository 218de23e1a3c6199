import { sampleValue, type ExpositionFamily } from '@support-center/testing';
import { ADMIN, createUser, login, loginOk, scrape, startAuth, type AuthUnderTest } from './support';

const ACCOUNT_THRESHOLD = 5;
const ADDRESS_THRESHOLD = 8;
const PARALLEL = 50;

const checked = (m: Map<string, ExpositionFamily>) =>
  (sampleValue(m, 'auth_attempts_total', { method: 'password', status: 'invalid_credentials' }) ?? 0) +
  (sampleValue(m, 'auth_attempts_total', { method: 'password', status: 'success' }) ?? 0);

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

// A lock recorded only after the (slow) password check lets every parallel guess through: each
// attempt must reserve its place in the count before the password is verified.
describe('lockout under concurrency', () => {
  let auth: AuthUnderTest;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth(
      {
        AUTH_LOCKOUT_ACCOUNT_THRESHOLD: String(ACCOUNT_THRESHOLD),
        AUTH_LOCKOUT_ADDRESS_THRESHOLD: String(ADDRESS_THRESHOLD),
        AUTH_LOCKOUT_BASE_MS: '60000',
        AUTH_LOCKOUT_MAX_MS: '600000',
        AUTH_LOCKOUT_WINDOW_MS: '600000',
      },
      'lockrace',
    );
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(() => auth?.stop());

  it(`checks at most the threshold's number of passwords for one account under ${PARALLEL} parallel guesses`, async () => {
    await createUser(auth.url, adminToken, 'eve');
    const before = await scrape(auth.url);
    // Each guess from its own address, so only the account's lock can stop them.
    const statuses = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const res = await login(auth.url, 'eve', `wrong-${i}`, {}, { 'x-forwarded-for': `10.20.0.${i}` });
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        return res.status;
      }),
    );
    const after = await scrape(auth.url);

    expect({
      checked: checked(after) - checked(before),
      401: count(statuses, 401),
      429: count(statuses, 429),
    }).toEqual({
      checked: ACCOUNT_THRESHOLD,
      401: ACCOUNT_THRESHOLD,
      429: PARALLEL - ACCOUNT_THRESHOLD,
    });
    // Locked now: the right password is refused too, unchecked.
    expect(
      (await login(auth.url, 'eve', 'correct-horse-1', {}, { 'x-forwarded-for': '10.20.1.1' })).status,
    ).toBe(429);
  });

  it(`checks at most the threshold's number of passwords for one address under ${PARALLEL} parallel guesses`, async () => {
    const from = { 'x-forwarded-for': '10.21.0.1' };
    const before = await scrape(auth.url);
    // Each guess against its own (unknown) account, so only the address's lock can stop them.
    const statuses = await Promise.all(
      Array.from(
        { length: PARALLEL },
        async (_, i) => (await login(auth.url, `nobody-${i}`, 'guess', {}, from)).status,
      ),
    );
    const after = await scrape(auth.url);

    expect({
      checked: checked(after) - checked(before),
      401: count(statuses, 401),
      429: count(statuses, 429),
    }).toEqual({
      checked: ADDRESS_THRESHOLD,
      401: ADDRESS_THRESHOLD,
      429: PARALLEL - ADDRESS_THRESHOLD,
    });
    expect((await login(auth.url, ADMIN.username, ADMIN.password, {}, from)).status).toBe(429);
  });

  it('takes successful logins back from their address count', async () => {
    const accounts = ['office-1', 'office-2', 'office-3', 'office-4'];
    for (const name of accounts) await createUser(auth.url, adminToken, name);
    const from = { 'x-forwarded-for': '10.22.0.1' };
    // Twice the address threshold of good logins, in rounds smaller than it (checks in flight
    // hold their place in the count until they are judged): none is refused.
    const statuses: number[] = [];
    for (let round = 0; round < (2 * ADDRESS_THRESHOLD) / accounts.length; round += 1) {
      statuses.push(
        ...(await Promise.all(
          accounts.map(async (name) => (await login(auth.url, name, 'correct-horse-1', {}, from)).status),
        )),
      );
    }
    expect(count(statuses, 200)).toBe(2 * ADDRESS_THRESHOLD);
    expect((await login(auth.url, 'office-1', 'wrong', {}, from)).status).toBe(401);
  });
});
