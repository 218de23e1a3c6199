import { groupCommit } from '@support-center/store';

/**
 * Takes `count` numbers from the counter in one write and returns the last of them (a `$inc` by
 * `count` returning the new value).
 */
export type TakeNumbers = (count: number) => Promise<number>;

/**
 * Hands out consecutive numbers with one counter write per burst rather than per number: callers
 * that ask while a write is in flight are served together by the next one (a group commit). The
 * numbers stay gap-free and follow the order of asking within a replica; a quiet service still
 * writes once per number, with no added wait.
 */
export function numberBatches(take: TakeNumbers): () => Promise<number> {
  const next = groupCommit<void, number>(async (batch) => {
    const last = await take(batch.length);
    const first = last - batch.length + 1;
    batch.forEach((caller, i) => caller.resolve(first + i));
  });
  return () => next();
}
