/** How failed logins lock an account or a client address out. */
export interface LockoutPolicy {
  /** Failures within the window after which the key is locked. */
  threshold: number;
  /** First lock; each further failure doubles it, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** A key's count restarts after this long without failures. */
  windowMs: number;
}

/** How long a key with `failures` counted is locked for, from now (0: not locked). */
export function lockDurationMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.threshold) return 0;
  const doublings = Math.min(failures - policy.threshold, 30);
  return Math.min(policy.baseMs * 2 ** doublings, policy.maxMs);
}

/** The whole seconds a client should wait, as `Retry-After` says it (at least 1). */
export function retryAfterSeconds(lockedUntil: Date, now: Date): number {
  return Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
}

export const accountKey = (usernameKey: string) => `account:${usernameKey}`;
export const addressKey = (address: string) => `address:${address}`;
