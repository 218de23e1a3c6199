import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The demo accounts of docs/architecture.md; `admin` is the auth service's bootstrap admin. */
export const DEMO_ACCOUNTS = [
  { username: 'admin', role: 'admin', displayName: 'Ada Admin' },
  { username: 'agent', role: 'agent', displayName: 'Alan Agent' },
  { username: 'employee', role: 'employee', displayName: 'Emma Employee' },
  { username: 'employee2', role: 'employee', displayName: 'Eli Employee' },
] as const;

export interface DemoPassword {
  password: string;
  /** True when it was made up for this data directory (and must be shown to the user). */
  generated: boolean;
}

/**
 * DEMO_PASSWORD when set; otherwise one generated once per data directory and kept beside the
 * data, so a second run's accounts (kept in the same data) still accept it.
 */
export function demoPassword(file: string, env: NodeJS.ProcessEnv): DemoPassword {
  if (env.DEMO_PASSWORD) return { password: env.DEMO_PASSWORD, generated: false };
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), generated: true };
  const password = randomBytes(12).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { password, generated: true };
}

/**
 * Creates the demo accounts through the auth service's API, as the bootstrap admin. Accounts
 * that exist already (a second run) are left as they are, and are looked up rather than
 * re-created: a refused creation would log a 409 at every start.
 */
export async function seedDemoAccounts(authUrl: string, password: string): Promise<void> {
  const login = await fetch(`${authUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (!login.ok) throw new Error(`demo admin login failed with ${login.status}: ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const authorization = { Authorization: `Bearer ${accessToken}` };
  for (const account of DEMO_ACCOUNTS.filter((a) => a.username !== 'admin')) {
    if (await accountExists(authUrl, authorization, account.username)) continue;
    const created = await fetch(`${authUrl}/api/v1/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authorization },
      body: JSON.stringify({ ...account, password }),
    });
    // 409: created meanwhile by another runner on the same data.
    if (!created.ok && created.status !== 409) {
      throw new Error(
        `creating demo account ${account.username} failed with ${created.status}: ${await created.text()}`,
      );
    }
  }
}

async function accountExists(
  authUrl: string,
  authorization: Record<string, string>,
  username: string,
): Promise<boolean> {
  const url = `${authUrl}/api/v1/users?q=${encodeURIComponent(username)}&limit=100`;
  const found = await fetch(url, { headers: authorization });
  if (!found.ok) throw new Error(`listing demo accounts failed with ${found.status}: ${await found.text()}`);
  const { items } = (await found.json()) as { items: { username: string }[] };
  return items.some((user) => user.username === username);
}
