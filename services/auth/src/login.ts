import {
  AppError,
  DependencyUnavailableError,
  type AuthUser,
  periodicTask,
  type Logger,
  type PeriodicTaskOptions,
  type Worker,
} from '@support-center/service-kit';
import type { LdapDirectory } from './credentials/ldap';
import type { PasswordVerifier } from './credentials/passwords';
import { unauthorized, type TokenSigner } from './credentials/tokens';
import { accountKey, addressKey, retryAfterSeconds, type LockoutPolicy } from './domain/lockout';
import type { AttemptStatus, LoginBody, TokenResponse } from './domain/login';
import {
  hashToken,
  isLive,
  newRefreshToken,
  newSessionId,
  sessionIdOf,
  sessionSeconds,
  type Session,
} from './domain/sessions';
import { usernameKey, type LoginMethod, type User } from './domain/users';
import { authEvents } from './events/auth-events';
import type { AuthMetrics } from './metrics';
import type { RevocationReason } from './events/auth-events';
import type { SessionStore } from './store/sessions';
import type { ReserveOutcome, ThrottleStore } from './store/throttle';
import type { UserStore } from './store/users';

export interface LoginFlowsOptions {
  users: UserStore;
  sessions: SessionStore;
  throttle: ThrottleStore;
  passwords: PasswordVerifier;
  ldap?: LdapDirectory;
  signer: TokenSigner;
  metrics: AuthMetrics;
  accountLockout: LockoutPolicy;
  addressLockout: LockoutPolicy;
  sessionTtlSeconds: number;
  /** Lifetime of access tokens: a revoked session's tokens all expire within it. */
  accessTokenTtlSeconds: number;
  /** Called when this instance opened or ended sessions (the active-sessions gauge counts again). */
  onSessionsChanged?: () => void;
  logger: Logger;
}

const INVALID_CREDENTIALS = 'The username or password is wrong';

/** Why all of a user's sessions end at once, and the one that may stay. */
export interface SessionsEnd {
  reason: RevocationReason;
  keep?: string;
}

/** The 429 for an attempt the lockout refused before any check. */
export function lockedOut(lockedUntil: Date | null, now: Date): AppError {
  // Not locked yet: the count is full of attempts still being checked, about a second each.
  const seconds = lockedUntil ? retryAfterSeconds(lockedUntil, now) : 1;
  return new AppError('RATE_LIMITED', {
    message: `Too many failed password checks; try again in ${seconds} s`,
    headers: { 'Retry-After': String(seconds) },
  });
}

/** Login, refresh and logout: the session lifecycle, with lockout, metrics and events. */
export class LoginFlows {
  constructor(private readonly options: LoginFlowsOptions) {}

  async login(body: LoginBody, address: string): Promise<TokenResponse> {
    const { metrics } = this.options;
    if (body.method === 'ldap' && !this.options.ldap) {
      throw new AppError('VALIDATION_FAILED', {
        message: 'LDAP login is not configured',
        details: [{ field: 'method', message: 'ldap is not configured' }],
      });
    }
    const startedAt = performance.now();
    let status: AttemptStatus = 'error';
    try {
      const now = new Date();
      const attempt = await this.reserveAttempt(body.username, address, now);
      if (!attempt.granted) {
        status = 'locked';
        throw lockedOut(attempt.lockedUntil, now);
      }
      let user: User | null;
      try {
        user =
          body.method === 'password'
            ? await this.checkPassword(body.username, body.password)
            : await this.checkLdap(body.username, body.password);
      } catch (error) {
        // The check's own failure is the one to report, not a failure to take the attempt back.
        await attempt.reservation.abandoned().catch(() => undefined);
        throw error;
      }
      if (!user) {
        status = 'invalid_credentials';
        // Locks run from the failure, not from the start of a (slow) credential check.
        await attempt.reservation.failed(new Date());
        throw unauthorized(INVALID_CREDENTIALS);
      }
      await attempt.reservation.succeeded();
      const response = await this.openSession(user, body.method);
      status = 'success';
      return response;
    } finally {
      metrics.attempt(body.method, status, (performance.now() - startedAt) / 1000);
    }
  }

  /**
   * Takes a password check's place in its account's and client address's counts, before the
   * (slow) check, so parallel guesses cannot all be checked before the first failure is recorded.
   * Logins and password changes share the counts: neither can be used to guess past the other.
   */
  reserveAttempt(username: string, address: string, now: Date): Promise<ReserveOutcome> {
    const { throttle, accountLockout, addressLockout } = this.options;
    return throttle.reserve(
      [
        { key: accountKey(usernameKey(username)), policy: accountLockout, onSuccess: 'reset' },
        // The address keeps its own count (one good account must not reset a guesser's).
        { key: addressKey(address), policy: addressLockout, onSuccess: 'release' },
      ],
      now,
    );
  }

  /** Exchanges a refresh token for new tokens; reuse of an exchanged one ends the whole session. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { sessions, users } = this.options;
    const id = sessionIdOf(refreshToken);
    if (!id) throw unauthorized('The refresh token is not valid');
    const now = new Date();
    const next = newRefreshToken(id);
    const outcome = await sessions.rotate(id, hashToken(refreshToken), hashToken(next), now);
    if (outcome.kind === 'reused') {
      await this.end(outcome.session, 'revoked', now, 'refresh_reuse');
      this.options.logger.warn(
        { sessionId: id, userId: outcome.session.userId },
        'refresh token reused; session revoked',
      );
      throw unauthorized('The refresh token was already used; the session is revoked');
    }
    if (outcome.kind === 'unknown') throw unauthorized('The refresh token is not valid or the session ended');
    const user = await users.findById(outcome.session.userId);
    if (!user?.active) {
      await this.end(outcome.session, 'revoked', now, 'deactivated');
      throw unauthorized('The user is deactivated');
    }
    return this.tokens(user, outcome.session.id, next);
  }

  /** Ends the session named by a refresh token or by the caller's access token; idempotent. */
  async logout(refreshToken: string | undefined, caller: AuthUser | undefined): Promise<void> {
    const { sessions } = this.options;
    let session: Session | null;
    if (refreshToken !== undefined) {
      const id = sessionIdOf(refreshToken);
      session = id ? await sessions.findById(id) : null;
      if (!session || session.refreshHash !== hashToken(refreshToken))
        throw unauthorized('The refresh token is not valid');
    } else if (caller?.sessionId) {
      session = await sessions.findById(caller.sessionId);
      if (session && session.userId !== caller.id) session = null;
    } else {
      throw unauthorized('A refresh token or a bearer access token is required');
    }
    if (session) await this.end(session, 'logout', new Date());
  }

  /** The caller's session must still be live: a logout or expiry ends its access tokens' use here. */
  async requireLiveSession(caller: AuthUser): Promise<void> {
    const session = caller.sessionId ? await this.options.sessions.findById(caller.sessionId) : null;
    if (!session || !isLive(session, new Date())) throw unauthorized('The session has ended');
  }

  /**
   * The caller's session must not have been ended early (logout, deactivation, a reused refresh
   * token): what every other service learns from session.revoked, this one reads at the source.
   * A session that merely reached its end keeps its access tokens until they expire, as elsewhere.
   */
  async requireUnrevokedSession(caller: AuthUser): Promise<void> {
    const session = caller.sessionId ? await this.options.sessions.findById(caller.sessionId) : null;
    if (!session || (session.endReason !== null && session.endReason !== 'expired'))
      throw new AppError('TOKEN_REVOKED', {
        message:
          'The access token was revoked (logout, deactivation or a reused refresh token); log in again',
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="revoked"' },
      });
  }

  /**
   * Ends every session of a user that has not ended yet, but `keep` (the caller's own, after a
   * password change): each publishes session.revoked, so every service refuses its tokens. A
   * logout everywhere ends them as logouts (user.logged_out too).
   */
  async endSessionsOf(userId: string, why: SessionsEnd = { reason: 'deactivated' }): Promise<number> {
    const now = new Date();
    let ended = 0;
    for (const session of await this.options.sessions.findOpenOfUser(userId)) {
      if (session.id === why.keep) continue;
      const done =
        why.reason === 'logout'
          ? await this.end(session, 'logout', now)
          : await this.end(session, 'revoked', now, why.reason);
      if (done) ended += 1;
    }
    return ended;
  }

  /** Ends expired sessions, each with its session.expired event and duration (its full lifetime). */
  async expireSessions(now = new Date()): Promise<number> {
    let expired = 0;
    for (const session of await this.options.sessions.findExpired(now)) {
      if (await this.end(session, 'expired', session.expiresAt)) expired += 1;
    }
    return expired;
  }

  /** Ends a session with its events; one ended early also revokes its access tokens everywhere. */
  private async end(
    session: Session,
    reason: 'logout' | 'expired' | 'revoked',
    at: Date,
    revocation: RevocationReason = 'logout',
  ): Promise<boolean> {
    const tokensExpireBy = new Date(at.getTime() + this.options.accessTokenTtlSeconds * 1000);
    const revoked = authEvents.sessionRevoked(session, revocation, tokensExpireBy);
    const events =
      reason === 'logout'
        ? [authEvents.loggedOut(session), revoked]
        : reason === 'expired'
          ? [authEvents.sessionExpired(session)]
          : [revoked];
    const ended = await this.options.sessions.end(session.id, reason, events, at);
    if (ended) {
      this.options.metrics.sessionEnded(session.role, sessionSeconds(session, at));
      this.options.onSessionsChanged?.();
    }
    return ended;
  }

  private async checkPassword(username: string, password: string): Promise<User | null> {
    const found = await this.options.users.findByUsername(username);
    const usable = found?.user.active && found.user.loginMethod === 'password' ? found.passwordHash : null;
    // Always one argon2 verification, against a dummy hash when there is nothing to verify against.
    const ok = await this.options.passwords.verify(usable, password);
    return ok && found ? found.user : null;
  }

  private async checkLdap(username: string, password: string): Promise<User | null> {
    const { ldap, users } = this.options;
    if (!ldap) return null;
    let identity;
    try {
      identity = await ldap.authenticate(username, password);
    } catch (error) {
      throw new DependencyUnavailableError('LDAP', error);
    }
    if (!identity) return null;
    const found = await users.findByUsername(username);
    if (found) {
      if (!found.user.active || found.user.loginMethod !== 'ldap') return null;
      const changes = {
        role: identity.role,
        displayName: identity.displayName ?? found.user.displayName,
        email: identity.email ?? found.user.email,
      };
      const same = (Object.keys(changes) as (keyof typeof changes)[]).every(
        (k) => changes[k] === found.user[k],
      );
      if (same) return found.user;
      return users.update(found.user.id, changes, (_before, after) => [authEvents.userUpdated(after)]);
    }
    // Provisioned on first login.
    try {
      return await users.create(
        {
          username,
          displayName: identity.displayName ?? username,
          email: identity.email,
          role: identity.role,
          loginMethod: 'ldap',
          passwordHash: null,
        },
        (user) => [authEvents.userCreated(user)],
      );
    } catch (error) {
      // Two first logins at once: the other one provisioned the user.
      if (error instanceof AppError && error.code === 'CONFLICT') {
        return (await users.findByUsername(username))?.user ?? null;
      }
      throw error;
    }
  }

  private async openSession(user: User, method: LoginMethod): Promise<TokenResponse> {
    const now = new Date();
    const id = newSessionId();
    const refreshToken = newRefreshToken(id);
    const session: Session = {
      id,
      userId: user.id,
      username: user.username,
      role: user.role,
      method,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.sessionTtlSeconds * 1000),
      refreshHash: hashToken(refreshToken),
      endedAt: null,
      endReason: null,
    };
    await this.options.sessions.create(session, [authEvents.loggedIn(session)]);
    this.options.onSessionsChanged?.();
    return this.tokens(user, id, refreshToken);
  }

  private async tokens(user: User, sessionId: string, refreshToken: string): Promise<TokenResponse> {
    const { token, expiresIn } = await this.options.signer.sign(user, sessionId);
    return {
      accessToken: token,
      refreshToken,
      expiresIn,
      tokenType: 'Bearer',
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}

export interface SweeperOptions {
  flows: LoginFlows;
  sessions: SessionStore;
  throttle: ThrottleStore;
  intervalMs: number;
  logger: Logger;
  metrics: PeriodicTaskOptions['metrics'];
}

/** Periodic expiry (no TTL index): ends expired sessions, purges old ones and stale lockout counts. */
export function sessionSweeper(options: SweeperOptions): Worker & { sweepOnce(): Promise<void> } {
  const { flows, sessions, throttle, intervalMs, logger, metrics } = options;
  const task = periodicTask({
    name: 'session sweeper',
    intervalMs,
    logger,
    metrics,
    run: async () => {
      const now = new Date();
      await flows.expireSessions(now);
      await sessions.purgeEnded(now);
      await throttle.purge(now);
    },
  });
  return { name: task.name, sweepOnce: task.runOnce, start: task.start, stop: task.stop };
}
