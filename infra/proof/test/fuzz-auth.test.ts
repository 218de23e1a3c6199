import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { startTestIssuer } from '@support-center/testing';
import { bodyFor, pathSegment, queryFor } from './support/fuzz-arbitraries';
import {
  assertAlive,
  assertContract,
  scrape,
  send,
  sendJson,
  startFuzzStack,
  type FuzzStack,
  type MetricsSnapshot,
} from './support/fuzz-stack';
import { invalidTokens } from './support/fuzz-tokens';

/**
 * Property-based fuzzing of the auth service's HTTP surface (issue 22, "Bad input"): login,
 * refresh, logout, me and the admin's user routes, as a real process, with the bootstrap admin's
 * and an employee's real tokens. Never a 5xx, every 4xx in the error contract, the process up.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const RSS_BOUND_BYTES = 350 * 1024 * 1024;
const SERIES_GROWTH_BOUND = 600;
const ADMIN = { username: 'fuzz-root', password: 'fuzz-bootstrap-password-1' };
const EMPLOYEE = { username: 'fuzz-employee', password: 'fuzz-staff-password-1' };
/** Auth's own signing key, so a test can sign tokens auth trusts and vary one claim at a time. */
const SIGNING_KEY = generateKeyPairSync('ed25519').privateKey;

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
}

describe('fuzzing the auth API', () => {
  let stack: FuzzStack;
  let url: string;
  let admin: Tokens;
  let employee: Tokens;
  let before: MetricsSnapshot;

  beforeAll(async () => {
    stack = await startFuzzStack(['auth'], 'fuzz_auth', {
      envOf: {
        auth: {
          AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
          AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
          AUTH_TRUST_PROXY: 'false',
          AUTH_SIGNING_KEY: SIGNING_KEY.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
    });
    url = stack.service('auth').url;
    let res = await sendJson(url, 'POST', '/api/v1/auth/login', ADMIN);
    for (let attempt = 0; res.status !== 200 && attempt < 50; attempt++) {
      await new Promise((r) => setTimeout(r, 200));
      res = await sendJson(url, 'POST', '/api/v1/auth/login', ADMIN);
    }
    expect(res.status).toBe(200);
    admin = JSON.parse(res.text) as Tokens;
    const created = await sendJson(
      url,
      'POST',
      '/api/v1/users',
      { ...EMPLOYEE, role: 'employee' },
      admin.accessToken,
    );
    expect(created.status).toBe(201);
    employee = JSON.parse((await sendJson(url, 'POST', '/api/v1/auth/login', EMPLOYEE)).text) as Tokens;
    before = await scrape(stack.service('auth'));
  }, 120_000);

  afterAll(async () => {
    const codes = await stack?.stop();
    if (codes?.auth !== 0)
      process.stderr.write(`auth exited ${codes?.auth}:\n${stack.service('auth').output().slice(-6000)}\n`);
    expect(codes).toEqual({ auth: 0 });
  });

  const caller = () =>
    fc.constantFrom<string | undefined>(admin.accessToken, employee.accessToken, undefined);

  it('POST login, refresh and logout with any body', async () => {
    const route = fc.constantFrom(
      {
        path: '/api/v1/auth/login',
        valid: { username: EMPLOYEE.username, password: 'wrong-password', method: 'password' },
      },
      { path: '/api/v1/auth/refresh', valid: { refreshToken: 'x'.repeat(43) } },
      { path: '/api/v1/auth/logout', valid: { refreshToken: 'x'.repeat(43) } },
    );
    await fc.assert(
      fc.asyncProperty(
        route.chain((r) => fc.tuple(fc.constant(r), bodyFor(r.valid))),
        caller(),
        async ([r, body], token) => {
          // Never the employee's real refresh token: logging it out would end the session the rest uses.
          const res = await sendJson(
            url,
            'POST',
            r.path,
            body,
            r.path.endsWith('logout') ? undefined : token,
          );
          assertContract(res, `POST ${r.path} ${JSON.stringify(body)?.slice(0, 300)}`);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('admin user routes with any body, query and id', async () => {
    const request = fc.oneof(
      bodyFor({
        username: 'fuzzed.user',
        password: 'long-enough-password',
        role: 'agent',
        displayName: 'F',
        email: 'f@example.com',
      }).map((body) => ({ method: 'POST', path: '/api/v1/users', body })),
      queryFor(['role', 'active', 'loginMethod', 'q', 'limit', 'cursor']).map((q) => ({
        method: 'GET',
        path: `/api/v1/users${q}`,
        body: undefined,
      })),
      fc
        .oneof(fc.constant(employee.user.id), pathSegment)
        .map((id) => ({ method: 'GET', path: `/api/v1/users/${id}`, body: undefined })),
      fc
        .tuple(
          fc.oneof(fc.constant(employee.user.id), pathSegment),
          // Never the admin's own account: deactivating it would turn the rest into 401s.
          bodyFor({ displayName: 'Renamed', email: null, role: 'employee', password: 'another-password-2' }),
        )
        .map(([id, body]) => ({ method: 'PATCH', path: `/api/v1/users/${id}`, body })),
    );
    await fc.assert(
      fc.asyncProperty(request, caller(), async (r, token) => {
        const res =
          r.body === undefined
            ? await send(url, { method: r.method, path: r.path, token })
            : await sendJson(url, r.method, r.path, r.body, token);
        assertContract(res, `${r.method} ${r.path} ${JSON.stringify(r.body)?.slice(0, 300)}`);
      }),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  });

  it('GET me and any method on any path, with any bearer value', async () => {
    const bearer = fc.oneof(
      caller(),
      fc.constantFrom('a.b.c', 'x', '..', 'eyJhbGciOiJub25lIn0.e30.', 'eyJ.eyJ.x'),
      fc.string({ maxLength: 200 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
    const path = fc.oneof(
      fc.constant('/api/v1/auth/me'),
      fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/api/v1/auth/${s.join('/')}`),
      fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`),
    );
    await fc.assert(
      fc.asyncProperty(method, path, bearer, async (m, p, token) => {
        const res = await send(url, {
          method: m,
          path: p,
          token,
          ...(m === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }),
        });
        assertContract(res, `${m} ${p} (token ${String(token).slice(0, 40)})`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('refuses forged and foreign access tokens with 401: alg none, another key, tampered role or expiry', async () => {
    const other = await startTestIssuer();
    try {
      const tokens = await invalidTokens(stack.issuer, other, {
        id: employee.user.id,
        username: EMPLOYEE.username,
        role: 'employee',
      });
      const [header, payload, signature] = employee.accessToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const reencode = (changes: Record<string, unknown>) =>
        `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`;
      tokens['auth token with role tampered to admin'] = reencode({ role: 'admin' });
      tokens['auth token with exp pushed out'] = reencode({ exp: Number(claims.exp) + 86_400 });
      tokens['auth token with alg none'] =
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${reencode({ role: 'admin' }).split('.')[1]}.`;
      const failures: string[] = [];
      for (const [name, token] of Object.entries(tokens)) {
        for (const path of ['/api/v1/auth/me', '/api/v1/users']) {
          const res = await send(url, { method: 'GET', path, token });
          assertContract(res, `${path} with ${name}`);
          if (res.status !== 401) failures.push(`${path} answered ${res.status} to ${name}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('refuses a token signed with its own key when a claim is wrong: expired, wrong audience, wrong issuer, no expiry', async () => {
    const jwks = JSON.parse((await send(url, { method: 'GET', path: '/.well-known/jwks.json' })).text) as {
      keys: { kid: string }[];
    };
    const kid = jwks.keys[0]?.kid ?? '';
    const [, payload] = employee.accessToken.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const resigned = (changes: Record<string, unknown>) =>
      signEdDsa(
        SIGNING_KEY,
        kid,
        Object.fromEntries(Object.entries({ ...claims, ...changes }).filter(([, v]) => v !== undefined)),
      );
    // The control: the same claims re-signed are accepted, so each refusal below is the claim's.
    const control = await send(url, { method: 'GET', path: '/api/v1/auth/me', token: resigned({}) });
    expect({ status: control.status, id: (JSON.parse(control.text) as { id?: string }).id }).toEqual({
      status: 200,
      id: employee.user.id,
    });
    const tokens: Record<string, string> = {
      expired: resigned({ iat: now - 600, exp: now - 60 }),
      'wrong audience': resigned({ aud: 'someone-else' }),
      'wrong issuer': resigned({ iss: 'https://evil.example' }),
      'no expiry': resigned({ exp: undefined }),
    };
    const answers: Record<string, number> = {};
    for (const [name, token] of Object.entries(tokens)) {
      for (const path of ['/api/v1/auth/me', '/api/v1/users']) {
        const res = await send(url, { method: 'GET', path, token });
        assertContract(res, `${path} with ${name}`);
        answers[`${path} ${name}`] = res.status;
      }
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, 401])));
    expect(Object.keys(answers)).toHaveLength(8);
  });

  it('stays up, within its memory bound, with bounded metric series', async () => {
    const service = stack.service('auth');
    await assertAlive(service);
    const after = await scrape(service);
    process.stdout.write(
      `fuzz-auth bounds: rss ${(before.rssBytes / 2 ** 20).toFixed(0)} → ${(after.rssBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `series ${before.series} → ${after.series}\n`,
    );
    expect(after.rssBytes).toBeLessThan(RSS_BOUND_BYTES);
    expect(after.series - before.series).toBeLessThanOrEqual(SERIES_GROWTH_BOUND);
    // The admin's session survived the fuzzing: its token still works.
    expect((await send(url, { method: 'GET', path: '/api/v1/users', token: admin.accessToken })).status).toBe(
      200,
    );
  });
});

/** A compact JWS (EdDSA) over `claims`, as auth signs its access tokens. */
function signEdDsa(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'EdDSA', kid, typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}
