import { z } from 'zod';

const role = z.enum(['employee', 'agent', 'admin']);
const loginMethod = z.enum(['password', 'ldap']);

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
  'session.expired': {
    version: 1,
    data: z.object({ userId: z.string().min(1), sessionId: z.string().min(1), role }),
  },
} as const;
