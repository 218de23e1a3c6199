import { AppError, ValidationError, type Logger } from '@support-center/service-kit';
import { hashPassword } from './credentials/passwords';
import { PASSWORD_RULES, passwordContainsUsername } from './domain/password-policy';
import type { CreateUserBody, ListUsersQuery, UpdateUserBody, User } from './domain/users';
import { authEvents } from './events/auth-events';
import type { UserChanges, UserStore } from './store/users';

export interface UserAdminOptions {
  users: UserStore;
  /** Ends a deactivated user's sessions. */
  endSessionsOf: (userId: string) => Promise<void>;
  logger: Logger;
}

/** What admins do with users: create, list, read, change (deactivation included). */
export class UserAdmin {
  constructor(private readonly options: UserAdminOptions) {}

  async create(body: CreateUserBody): Promise<User> {
    const loginMethod = body.loginMethod ?? (body.password === undefined ? 'ldap' : 'password');
    return this.options.users.create(
      {
        username: body.username,
        displayName: body.displayName ?? body.username,
        email: body.email ?? null,
        role: body.role,
        loginMethod,
        passwordHash: body.password === undefined ? null : await hashPassword(body.password),
      },
      (user) => [authEvents.userCreated(user)],
    );
  }

  list(query: ListUsersQuery) {
    return this.options.users.list(query);
  }

  async get(id: string): Promise<User> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('NOT_FOUND', { message: 'User not found' });
    return user;
  }

  async update(id: string, body: UpdateUserBody): Promise<User> {
    const { password, ...visible } = body;
    const changes: UserChanges = { ...visible };
    if (password !== undefined) {
      const current = await this.get(id);
      if (current.loginMethod !== 'password')
        throw new ValidationError([{ field: 'password', message: 'LDAP users have no password here' }]);
      if (passwordContainsUsername(password, current.username))
        throw new ValidationError([{ field: 'password', message: PASSWORD_RULES.username }]);
      changes.passwordHash = await hashPassword(password);
    }
    const after = await this.options.users.update(id, changes, (before, next) =>
      changed(before, next) ? [authEvents.userUpdated(next)] : [],
    );
    if (body.active === false) await this.options.endSessionsOf(id);
    return after;
  }

  /** Creates the first admin unless a user with that name exists (any instance may race to it). */
  async bootstrapAdmin(username: string, password: string): Promise<void> {
    if (await this.options.users.findByUsername(username)) return;
    try {
      await this.options.users.create(
        {
          username,
          displayName: username,
          email: null,
          role: 'admin',
          loginMethod: 'password',
          passwordHash: await hashPassword(password),
        },
        (user) => [authEvents.userCreated(user)],
      );
      this.options.logger.info({ username }, 'bootstrap admin created');
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
    }
  }
}

function changed(before: User, after: User): boolean {
  return (['displayName', 'email', 'role', 'active'] as const).some((k) => before[k] !== after[k]);
}
