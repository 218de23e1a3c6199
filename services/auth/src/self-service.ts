import { AppError, ValidationError, type AuthUser } from '@support-center/service-kit';
import { hashPassword, type PasswordVerifier } from './credentials/passwords';
import type { ChangePasswordBody } from './domain/password-change';
import { PASSWORD_RULES, passwordContainsUsername } from './domain/password-policy';
import { lockedOut, type LoginFlows } from './login';
import type { UserStore } from './store/users';

export interface SelfServiceOptions {
  users: UserStore;
  passwords: PasswordVerifier;
  flows: LoginFlows;
}

/** What a signed-in user does to their own account: change the password, log out everywhere. */
export class SelfService {
  constructor(private readonly options: SelfServiceOptions) {}

  /**
   * Changes the caller's password when the current one is right, then ends their other sessions
   * (a thief holding one of them is out). The check is counted in the lockout like a login, so a
   * stolen access token cannot be used to guess the password faster than the login form could.
   */
  async changePassword(caller: AuthUser, body: ChangePasswordBody, address: string): Promise<void> {
    const { users, passwords, flows } = this.options;
    const user = await users.findById(caller.id);
    if (!user?.active) throw new AppError('UNAUTHORIZED', { message: 'The user is deactivated' });
    if (user.loginMethod !== 'password')
      throw new AppError('CONFLICT', {
        message: 'An LDAP user changes their password in the directory, not here',
        details: [{ field: 'currentPassword', message: 'LDAP users have no password here' }],
      });
    if (passwordContainsUsername(body.newPassword, user.username))
      throw new ValidationError([{ field: 'newPassword', message: PASSWORD_RULES.username }]);

    const now = new Date();
    const attempt = await flows.reserveAttempt(user.username, address, now);
    if (!attempt.granted) throw lockedOut(attempt.lockedUntil, now);
    let right: boolean;
    try {
      const found = await users.findByUsername(user.username);
      right = await passwords.verify(found?.passwordHash ?? null, body.currentPassword);
    } catch (error) {
      await attempt.reservation.abandoned().catch(() => undefined);
      throw error;
    }
    if (!right) {
      await attempt.reservation.failed(new Date());
      throw new ValidationError([{ field: 'currentPassword', message: 'is not the current password' }]);
    }
    await attempt.reservation.succeeded();
    if (body.newPassword === body.currentPassword)
      throw new ValidationError([{ field: 'newPassword', message: 'must differ from the current password' }]);

    await users.update(caller.id, { passwordHash: await hashPassword(body.newPassword) }, () => []);
    await flows.endSessionsOf(caller.id, { reason: 'password_changed', keep: caller.sessionId });
  }

  /** Ends every session of the caller, this one included: each is a logout, revoked everywhere. */
  async logoutEverywhere(caller: AuthUser): Promise<number> {
    return this.options.flows.endSessionsOf(caller.id, { reason: 'logout' });
  }
}
