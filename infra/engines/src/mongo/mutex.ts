/** A FIFO lock: waiters are served in arrival order, so no writer starves. */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  /** Resolves with a release function; calling it more than once is harmless. */
  async acquire(): Promise<() => void> {
    if (this.locked) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.locked = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.locked = false;
    };
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
