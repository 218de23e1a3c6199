import { call } from './client';
import type { LoadOptions } from './options';

export type DemoUser = 'agent' | 'employee' | 'employee2';

export interface Session {
  username: DemoUser;
  id: string;
  token: string;
}

export class LoginError extends Error {}

/** Logs a demo account in; the generator logs in again whenever a token is refused (expiry). */
export async function login(options: LoadOptions, username: DemoUser): Promise<Session> {
  const response = await call<{ accessToken: string; user: { id: string } }>(
    'POST',
    `${options.urls.auth}/api/v1/auth/login`,
    { json: { username, password: options.password } },
  );
  if (response.status !== 200) {
    throw new LoginError(
      `login as ${username} answered ${response.status}: is the stack up with its demo accounts?`,
    );
  }
  return { username, id: response.body.user.id, token: response.body.accessToken };
}
