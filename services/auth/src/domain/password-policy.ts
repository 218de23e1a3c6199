import { z } from 'zod';

/**
 * The password policy for new passwords (ASVS V2.1): long rather than complex. Existing
 * passwords still log in; the policy applies when a password is set (user creation, a change,
 * the bootstrap admin). Each rule's message names it, so a refusal says what to change.
 */
export const PASSWORD_POLICY = {
  /** ASVS 2.1.1: at least 12 characters (Unicode code points, so no script is penalised). */
  minLength: 12,
  /** ASVS 2.1.2 asks that at least 64 be allowed. */
  maxLength: 256,
  /** A username shorter than this is not looked for inside the password (it would match by chance). */
  usernameMinLengthToMatch: 3,
} as const;

export const PASSWORD_RULES = {
  minLength: `must be at least ${PASSWORD_POLICY.minLength} characters`,
  maxLength: `must be at most ${PASSWORD_POLICY.maxLength} characters`,
  whitespace: 'must not be only whitespace',
  username: 'must not contain the username',
} as const;

/** What is wrong with a new password, as one message per rule broken (none: acceptable). */
export function passwordProblems(password: string, username?: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_POLICY.minLength) problems.push(PASSWORD_RULES.minLength);
  if (length > PASSWORD_POLICY.maxLength) problems.push(PASSWORD_RULES.maxLength);
  if (password.trim() === '') problems.push(PASSWORD_RULES.whitespace);
  if (username !== undefined && passwordContainsUsername(password, username))
    problems.push(PASSWORD_RULES.username);
  return problems;
}

/** Case-insensitively; a very short username only when it is the whole password. */
export function passwordContainsUsername(password: string, username: string): boolean {
  const name = username.trim().toLowerCase();
  const secret = password.toLowerCase();
  if (name.length === 0) return false;
  return name.length < PASSWORD_POLICY.usernameMinLengthToMatch
    ? secret.trim() === name
    : secret.includes(name);
}

/** A new password on its own (the username rule needs the user: see `passwordProblems`). */
export const newPasswordSchema = z
  .string()
  .superRefine((password, ctx) => {
    for (const message of passwordProblems(password)) ctx.addIssue({ code: 'custom', message });
  })
  .describe(
    `${PASSWORD_POLICY.minLength} to ${PASSWORD_POLICY.maxLength} characters, not only whitespace, not containing the username`,
  );
