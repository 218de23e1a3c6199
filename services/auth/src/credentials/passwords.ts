import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/** argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes). */
const OPTIONS = { type: argon2.argon2id } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/**
 * Checks passwords so that an unknown user, a user without a password and a wrong password take
 * the same path and time: the first two are verified against a hash of a random secret.
 */
export class PasswordVerifier {
  private dummy?: Promise<string>;

  /** Hashes the dummy in advance, so the first unknown-user login is not faster or slower. */
  warmUp(): Promise<string> {
    return (this.dummy ??= hashPassword(randomBytes(32).toString('base64url')));
  }

  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    const stored = hash ?? (await this.warmUp());
    try {
      const ok = await argon2.verify(stored, password);
      return ok && hash !== null && hash !== undefined;
    } catch {
      // A stored value that is not an argon2 hash: the password cannot match it.
      return false;
    }
  }
}
