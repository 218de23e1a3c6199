import { createEvent, type CloudEvent, type EventData } from '@support-center/events';
import type { Session } from '../domain/sessions';
import { userSnapshot, type User } from '../domain/users';

const source = '/support-center/auth';

/** Why a session's access tokens were revoked before they expire. */
export type RevocationReason = EventData<'session.revoked'>['reason'];

/** The events of the `auth` topic, built from the domain's values (validated by createEvent). */
export const authEvents = {
  userCreated: (user: User): CloudEvent => createEvent('user.created', userSnapshot(user), { source }),
  userUpdated: (user: User): CloudEvent => createEvent('user.updated', userSnapshot(user), { source }),
  loggedIn: (session: Session): CloudEvent =>
    createEvent(
      'user.logged_in',
      { userId: session.userId, sessionId: session.id, role: session.role, method: session.method },
      { source },
    ),
  loggedOut: (session: Session): CloudEvent =>
    createEvent(
      'user.logged_out',
      { userId: session.userId, sessionId: session.id, role: session.role },
      { source },
    ),
  /** Every service refuses the session's access tokens from now on (they expire by `tokensExpireBy`). */
  sessionRevoked: (session: Session, reason: RevocationReason, tokensExpireBy: Date): CloudEvent =>
    createEvent(
      'session.revoked',
      {
        userId: session.userId,
        sessionId: session.id,
        role: session.role,
        reason,
        tokensExpireBy: tokensExpireBy.toISOString(),
      },
      { source },
    ),
  sessionExpired: (session: Session): CloudEvent =>
    createEvent(
      'session.expired',
      { userId: session.userId, sessionId: session.id, role: session.role },
      { source },
    ),
};
