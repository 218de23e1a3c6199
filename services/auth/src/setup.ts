import { AppError, type Dependency, type Worker } from '@support-center/service-kit';

/**
 * The auth database's setup (indexes, the bootstrap admin), run as a worker until it succeeds,
 * and reported by /ready as a required dependency: ready means usable, so a login as the
 * bootstrap admin right after /ready answers 200 finds the admin there.
 */
export class DatabaseSetup {
  private done = false;

  readonly readiness: Dependency = {
    name: 'database setup',
    required: true,
    check: async () => {
      if (!this.done)
        throw new AppError('NOT_READY', {
          message: 'the indexes and the bootstrap admin are not in place yet',
        });
    },
    close: async () => undefined,
  };

  worker(steps: () => Promise<void>): Worker {
    return {
      name: 'auth database setup',
      start: async () => {
        await steps();
        this.done = true;
      },
      stop: async () => undefined,
    };
  }
}
