import { isDuplicateKeyError } from '@support-center/store';
import { lockDurationMs, type LockoutPolicy } from '../domain/lockout';
import type { AuthCollections } from './collections';

/** One key an attempt is counted against, and what a success does to its count. */
export interface ThrottledKey {
  key: string;
  policy: LockoutPolicy;
  /**
   * `reset`: a success clears the count (the account's). `release`: a success only takes its
   * own attempt back (the address's: one good account must not reset a guesser's count).
   */
  onSuccess: 'reset' | 'release';
}

/** An attempt that holds its place in every key's count while its credentials are checked. */
export interface AttemptReservation {
  /** The credentials were wrong: the attempt stays counted, and may lock its keys. */
  failed(at: Date): Promise<void>;
  succeeded(): Promise<void>;
  /** The check could not be made (a dependency failed): the attempt is taken back. */
  abandoned(): Promise<void>;
}

export type ReserveOutcome =
  | { granted: true; reservation: AttemptReservation }
  /** `lockedUntil` is null when the count is full of attempts still being checked. */
  | { granted: false; lockedUntil: Date | null };

/**
 * Login attempts per key (an account or a client address). An attempt is counted BEFORE its
 * credentials are checked, with one single-document `$inc` (atomic on MongoDB, and on FerretDB
 * behind the write guard): a lock recorded only after a slow password check would let every
 * parallel guess through. So at most `threshold` checks run per key and window, whatever the
 * parallelism; a success takes its count back, a failure keeps it.
 */
export function throttleStore(collections: AuthCollections) {
  const throttle = collections.throttle;

  /** Counts an attempt against every key, or refuses it (counting nothing) if any key is full or locked. */
  async function reserve(keys: ThrottledKey[], now: Date): Promise<ReserveOutcome> {
    const taken = await Promise.all(keys.map((k) => take(k, now)));
    const refused = taken.filter((t) => !t.granted);
    if (refused.length > 0) {
      await Promise.all(taken.map((t) => giveBack(t.key)));
      const locks = refused.flatMap((t) => (t.lockedUntil ? [t.lockedUntil.getTime()] : []));
      return { granted: false, lockedUntil: locks.length ? new Date(Math.max(...locks)) : null };
    }
    const settle = (each: (t: Taken) => Promise<void>) => Promise.all(taken.map(each)).then(() => undefined);
    return {
      granted: true,
      reservation: {
        failed: (at) => settle((t) => lockIfDue(t, at)),
        succeeded: () => settle((t) => (t.key.onSuccess === 'reset' ? reset(t.key.key) : giveBack(t.key))),
        abandoned: () => settle((t) => giveBack(t.key)),
      },
    };
  }

  /** One attempt's place in a key's count: granted while the key is unlocked and within its allowance. */
  async function take(key: ThrottledKey, now: Date): Promise<Taken> {
    const { policy } = key;
    // A count whose window passed starts over (the sweep deletes such documents too).
    await throttle.deleteOne({ _id: key.key, expiresAt: { $lte: now } });
    const count = () =>
      throttle.findOneAndUpdate(
        { _id: key.key },
        {
          $inc: { failures: 1 },
          $max: { expiresAt: new Date(now.getTime() + policy.windowMs) },
          $setOnInsert: { lockedUntil: null, allowance: policy.threshold },
        },
        { upsert: true, returnDocument: 'after' },
      );
    // Two first attempts at once may both try to insert: the loser's retry increments.
    const doc = await count().catch((error: unknown) => {
      if (isDuplicateKeyError(error)) return count();
      throw error;
    });
    const attempts = doc?.failures ?? 1;
    const lockedUntil = doc?.lockedUntil ? new Date(doc.lockedUntil) : null;
    const locked = lockedUntil !== null && lockedUntil > now;
    const granted = !locked && attempts <= (doc?.allowance ?? policy.threshold);
    return { key, attempts, granted, lockedUntil: locked ? lockedUntil : null };
  }

  /** A failed attempt stays counted; the one that reaches the threshold locks the key. */
  async function lockIfDue(taken: Taken, at: Date): Promise<void> {
    const { policy } = taken.key;
    const lockMs = lockDurationMs(taken.attempts, policy);
    if (lockMs === 0) return;
    const until = new Date(at.getTime() + lockMs);
    // The window outlives the lock, and once the lock ends one more attempt is allowed: its
    // failure locks for longer (backoff).
    await throttle.updateOne(
      { _id: taken.key.key },
      {
        $max: {
          lockedUntil: until,
          expiresAt: new Date(until.getTime() + policy.windowMs),
          allowance: taken.attempts + 1,
        },
      },
    );
  }

  async function giveBack(key: ThrottledKey): Promise<void> {
    await throttle.updateOne({ _id: key.key }, { $inc: { failures: -1 } });
  }

  async function reset(key: string): Promise<void> {
    await throttle.deleteOne({ _id: key });
  }

  /** Deletes counts whose window and lock have both passed. */
  async function purge(now: Date): Promise<number> {
    // A lock always ends before its document's window does.
    const result = await throttle.deleteMany({ expiresAt: { $lte: now } });
    return result.deletedCount;
  }

  return { reserve, reset, purge };
}

export type ThrottleStore = ReturnType<typeof throttleStore>;

interface Taken {
  key: ThrottledKey;
  /** The key's count with this attempt in it. */
  attempts: number;
  granted: boolean;
  lockedUntil: Date | null;
}
