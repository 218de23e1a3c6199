/** A caller waiting in a group: the write settles it. */
export interface GroupMember<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Writes the calls made while a write is in flight together, with the next write (a group commit):
 * a caller that finds no write in flight is written at once, alone, with no added wait; those who
 * call meanwhile wait for it, then share one write of at most `maxGroup`. `write` settles each
 * member; a member it leaves unsettled when it throws gets its error.
 */
export function groupCommit<T, R>(
  write: (group: GroupMember<T, R>[]) => Promise<void>,
  maxGroup = Number.POSITIVE_INFINITY,
): (item: T) => Promise<R> {
  const waiting: GroupMember<T, R>[] = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    const group = waiting.splice(0, maxGroup);
    try {
      await write(group);
    } catch (error) {
      // Settling a promise twice changes nothing: only the unsettled ones get the error.
      for (const member of group) member.reject(error);
    } finally {
      writing = false;
      if (waiting.length > 0) void flush();
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!writing) void flush();
    });
}
