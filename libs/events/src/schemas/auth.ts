import { z } from 'zod';

const role = z.enum(['employee', 'agent', 'admin']);
const loginMethod = z.enum(['password', 'ldap']);

/** Why a session ended before its time; every one of them makes its access tokens unusable. */
export const REVOCATION_REASONS = ['logout', 'refresh_reuse', 'deactivated', 'password_changed'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

const userSnapshot = z.object({
  userId: z.string().min(1),
  username: z.string().min(1),
  displayName: z.string(),
  email: z.string().nullable(),
  role,
  active: z.boolean(),
  loginMethod,
});

/** Events of the `auth` topic, keyed by user id. */
export const authEvents = {
  'user.created': { version: 1, data: userSnapshot },
  'user.updated': { version: 1, data: userSnapshot },
  'user.logged_in': {
    version: 1,
    data: z.object({ userId: z.string().min(1), sessionId: z.string().min(1), role, method: loginMethod }),
  },
  'user.logged_out': {
    version: 1,
    data: z.object({ userId: z.string().min(1), sessionId: z.string().min(1), role }),
  },
  /**
   * A session ended early: every access token carrying its id (`sid`) must be refused from now
   * on, by every service, until `tokensExpireBy` (the latest `exp` any of them can have).
   * A `user.updated` with `active: false` also refuses every token of the user issued before it.
   */
  'session.revoked': {
    version: 1,
    data: z.object({
      userId: z.string().min(1),
      sessionId: z.string().min(1),
      role,
      reason: z.enum(REVOCATION_REASONS),
      tokensExpireBy: z.iso.datetime({ offset: true }),
    }),
  },
  'session.expired': {
    version: 1,
    data: z.object({ userId: z.string().min(1), sessionId: z.string().min(1), role }),
  },
} as const;
