import type { SupportClient } from '@support-center/client';
import { apiClient } from './api';
import type { LoadOptions } from './options';

export type DemoUser = 'agent' | 'employee' | 'employee2';

export interface Session {
  username: DemoUser;
  id: string;
  token: string;
  /** The account's client; it reads `token` at every request, so a renewed session keeps it. */
  client: SupportClient;
}

export class LoginError extends Error {}

/** Logs a demo account in; the generator logs in again whenever a token is refused (expiry). */
export async function login(options: LoadOptions, username: DemoUser): Promise<Session> {
  const { data, response } = await apiClient(options.urls).auth.POST('/api/v1/auth/login', {
    body: { username, password: options.password },
  });
  if (!data) {
    throw new LoginError(
      `login as ${username} answered ${response.status}: is the stack up with its demo accounts?`,
    );
  }
  const session: Session = {
    username,
    id: data.user.id,
    token: data.accessToken,
    client: apiClient(options.urls, () => session.token),
  };
  return session;
}
