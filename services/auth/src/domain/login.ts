import { z } from 'zod';
import { loginMethodSchema } from './users';

/** Closed set of `auth_attempts_total{status}` (see the catalog's help text). */
export const ATTEMPT_STATUSES = ['success', 'invalid_credentials', 'locked', 'error'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

// Login takes any non-empty username up to the field limit, so a bad guess is a 401, not a 422.
export const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(256),
  password: z.string().min(1).max(1024),
  method: loginMethodSchema.default('password'),
});
export type LoginBody = z.infer<typeof loginBody>;

export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });
export const logoutBody = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });

export const tokenResponse = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  tokenType: z.literal('Bearer'),
  user: z.object({ id: z.string(), username: z.string(), role: z.enum(['employee', 'agent', 'admin']) }),
});
export type TokenResponse = z.infer<typeof tokenResponse>;
