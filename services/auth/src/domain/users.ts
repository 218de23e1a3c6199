import { z } from 'zod';
import { ROLES, type Role } from '@support-center/service-kit';
import { newPasswordSchema, PASSWORD_RULES, passwordContainsUsername } from './password-policy';

export const LOGIN_METHODS = ['password', 'ldap'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

export const roleSchema = z.enum(ROLES);
export const loginMethodSchema = z.enum(LOGIN_METHODS);

/** Letters, digits and `. _ @ -`; compared without case (the stored key is lower case). */
export const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'may hold only letters, digits and . _ @ -');

/** A password being set: the policy's rules (password-policy.ts). */
export const passwordSchema = newPasswordSchema;
const displayNameSchema = z.string().trim().min(1).max(200);
const emailSchema = z.email().max(254);

export const createUserBody = z
  .strictObject({
    username: usernameSchema,
    password: passwordSchema.optional(),
    role: roleSchema,
    displayName: displayNameSchema.optional(),
    email: emailSchema.nullable().optional(),
    loginMethod: loginMethodSchema.optional(),
  })
  .superRefine((body, ctx) => {
    const method = body.loginMethod ?? (body.password === undefined ? 'ldap' : 'password');
    if (method === 'password' && body.password === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required for password login' });
    if (method === 'ldap' && body.password !== undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'must be absent for ldap login' });
    if (body.password !== undefined && passwordContainsUsername(body.password, body.username))
      ctx.addIssue({ code: 'custom', path: ['password'], message: PASSWORD_RULES.username });
  });
export type CreateUserBody = z.infer<typeof createUserBody>;

export const updateUserBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    email: emailSchema.nullable().optional(),
    role: roleSchema.optional(),
    active: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'must change at least one field' });
export type UpdateUserBody = z.infer<typeof updateUserBody>;

export const listUsersQuery = z.strictObject({
  role: roleSchema.optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  loginMethod: loginMethodSchema.optional(),
  q: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{24}$/, 'must be a cursor from a previous page')
    .optional(),
});
export type ListUsersQuery = z.infer<typeof listUsersQuery>;

export const userIdParam = z.string().regex(/^[0-9a-f]{24}$/, 'must be a user id');

/** A user as stored (without its password hash) and as the API shows it. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  active: boolean;
  loginMethod: LoginMethod;
  createdAt: Date;
  updatedAt: Date;
}

export const userView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  active: z.boolean(),
  loginMethod: loginMethodSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof userView>;

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    active: user.active,
    loginMethod: user.loginMethod,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** The key usernames are unique by: case does not make a different user. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** What events and other services see of a user. */
export function userSnapshot(user: User) {
  return {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    active: user.active,
    loginMethod: user.loginMethod,
  };
}
