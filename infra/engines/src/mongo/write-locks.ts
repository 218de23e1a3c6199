/** Releases a hold; calling it more than once is harmless. */
export type Release = () => void;

/** A scope covering every database: held alone. */
export const EVERYTHING = Symbol('every database');
export type LockScope = string | typeof EVERYTHING;

interface Waiter {
  scope: LockScope;
  grant: (release: Release) => void;
}

/**
 * Write locks keyed by database. FerretDB's read-then-write race is within one document, so
 * writes to different databases may run together; writes to one database, and anything of
 * unknown scope, one at a time. Waiters are served in arrival order per database, and a
 * waiter for EVERYTHING holds back every later one, so no writer starves.
 */
export class WriteLocks {
  private readonly held = new Set<LockScope>();
  private readonly waiters: Waiter[] = [];

  acquire(scope: LockScope): Promise<Release> {
    return new Promise((grant) => {
      this.waiters.push({ scope, grant });
      this.serve();
    });
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private serve(): void {
    // Namespaces an earlier waiter still waits for: later waiters on them stay behind it.
    const queued = new Set<LockScope>();
    let everythingQueued = false;
    for (let index = 0; index < this.waiters.length;) {
      const waiter = this.waiters[index]!;
      if (this.mayEnter(waiter.scope, index === 0, queued, everythingQueued)) {
        this.waiters.splice(index, 1);
        this.held.add(waiter.scope);
        waiter.grant(this.releaser(waiter.scope));
        continue;
      }
      if (waiter.scope === EVERYTHING) everythingQueued = true;
      queued.add(waiter.scope);
      index += 1;
    }
  }

  private mayEnter(
    scope: LockScope,
    first: boolean,
    queued: Set<LockScope>,
    everythingQueued: boolean,
  ): boolean {
    if (this.held.has(EVERYTHING) || everythingQueued) return false;
    if (scope === EVERYTHING) return first && this.held.size === 0;
    return !this.held.has(scope) && !queued.has(scope);
  }

  private releaser(scope: LockScope): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(scope);
      this.serve();
    };
  }
}
