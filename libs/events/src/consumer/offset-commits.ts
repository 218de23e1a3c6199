import type { Consumer } from 'kafkajs';

/**
 * Settled offsets of one topic, committed in the background: kafkajs's own auto-commit commits
 * after every batch, before it fetches again, so each message waited for a broker round trip
 * behind the one before it. Here a commit goes at most `intervalMs` after a message settles, and
 * when the group rebalances or the consumer stops. A crash leaves at most that much uncommitted,
 * delivered again after the restart, which idempotent handlers absorb.
 */
export class OffsetCommits {
  /** The offset a restart begins at, per partition, for the messages settled since the last commit. */
  private readonly settled = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    private readonly topic: string,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The message at `offset` of `partition` is settled: a restart begins after it. */
  settle(partition: number, offset: string): void {
    this.settled.set(partition, (BigInt(offset) + 1n).toString());
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Forgets the partitions this member no longer holds: their new holder commits them. */
  retain(partitions: readonly number[]): void {
    for (const partition of this.settled.keys())
      if (!partitions.includes(partition)) this.settled.delete(partition);
  }

  /** Commits what is settled now, after any commit already on its way; failures are kept for the next one. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.committing = this.committing.then(() => this.commitSettled());
    return this.committing;
  }

  /** No commit is tried after this, even when one on its way fails. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async commitSettled(): Promise<void> {
    if (this.settled.size === 0) return;
    const offsets = [...this.settled].map(([partition, offset]) => ({
      topic: this.topic,
      partition,
      offset,
    }));
    this.settled.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      // Tried again later, unless a later offset of the partition was settled meanwhile.
      for (const { partition, offset } of offsets)
        if (!this.settled.has(partition)) this.settled.set(partition, offset);
      if (!this.stopped) this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
      this.onError(error);
    }
  }
}
