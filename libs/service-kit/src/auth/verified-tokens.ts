import type { AuthUser } from './types';

export interface VerifiedTokensOptions {
  /** Most tokens kept; the least recently used one makes room for a new one. */
  maxEntries: number;
  /** Longest a token is trusted without checking its signature again. */
  ttlMs: number;
  now?: () => number;
}

interface Entry {
  user: AuthUser;
  /** When the entry stops counting: the token's expiry or the TTL, whichever comes first. */
  until: number;
}

/**
 * Access tokens verified lately, by their exact text. A frontend sends the same token with every
 * request of a session, and checking its signature again (EdDSA or ES256) costs more than the rest
 * of the request's authentication. Only what passed every check is kept, and revocation is not
 * part of it: callers still ask on every request.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: VerifiedTokensOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The token's user, if it was verified within the TTL and has not expired since. */
  get(token: string): AuthUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (this.now() >= entry.until) return undefined;
    // Moved to the end: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(token, entry);
    return { ...entry.user };
  }

  /** Keeps a verified token's user until `expiresAtMs` (its `exp`) or the TTL. */
  set(token: string, user: AuthUser, expiresAtMs: number): void {
    const until = Math.min(expiresAtMs, this.now() + this.options.ttlMs);
    if (until <= this.now()) return;
    this.entries.delete(token);
    this.entries.set(token, { user: { ...user }, until });
    if (this.entries.size > this.options.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }
}
