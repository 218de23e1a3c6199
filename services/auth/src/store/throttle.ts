import { isDuplicateKeyError } from '@support-center/store';
import { lockDurationMs, type LockoutPolicy } from '../domain/lockout';
import type { AuthCollections } from './collections';

/**
 * Failed-login counts per key (an account or a client address). Each failure is one
 * single-document `$inc` (atomic on MongoDB, and on FerretDB behind the write guard), so
 * concurrent failures all count.
 */
export class ThrottleStore {
  constructor(private readonly collections: AuthCollections) {}

  private get throttle() {
    return this.collections.throttle;
  }

  /** The latest lock among `keys` still in force at `now`, if any. */
  async lockedUntil(keys: string[], now: Date): Promise<Date | null> {
    const docs = await this.throttle.find({ _id: { $in: keys }, lockedUntil: { $gt: now } }).toArray();
    const until = docs.map((d) => new Date(d.lockedUntil as Date).getTime());
    return until.length ? new Date(Math.max(...until)) : null;
  }

  /** Counts a failure against `key`, and locks it once the policy says so. */
  async recordFailure(key: string, policy: LockoutPolicy, now: Date): Promise<void> {
    // A count whose window passed starts over (the sweep deletes such documents too).
    await this.throttle.deleteOne({ _id: key, expiresAt: { $lte: now } });
    const count = () =>
      this.throttle.findOneAndUpdate(
        { _id: key },
        {
          $inc: { failures: 1 },
          $set: { expiresAt: new Date(now.getTime() + policy.windowMs) },
          $setOnInsert: { lockedUntil: null },
        },
        { upsert: true, returnDocument: 'after' },
      );
    // Two first failures at once may both try to insert: the loser's retry increments.
    const doc = await count().catch((error: unknown) => {
      if (isDuplicateKeyError(error)) return count();
      throw error;
    });
    const lockMs = lockDurationMs(doc?.failures ?? 1, policy);
    if (lockMs > 0) {
      const until = new Date(now.getTime() + lockMs);
      // The window outlives the lock, so the next failure after it locks for longer (backoff).
      await this.throttle.updateOne(
        { _id: key },
        { $max: { lockedUntil: until, expiresAt: new Date(until.getTime() + policy.windowMs) } },
      );
    }
  }

  async reset(key: string): Promise<void> {
    await this.throttle.deleteOne({ _id: key });
  }

  /** Deletes counts whose window and lock have both passed. */
  async purge(now: Date): Promise<number> {
    // A lock always ends before its document's window does.
    const result = await this.throttle.deleteMany({ expiresAt: { $lte: now } });
    return result.deletedCount;
  }
}
