import type { Worker } from '../worker';
import { DependencyNotReadyError, type Dependency } from './dependency';

/** A readiness made of workers: declared among the dependencies, given its workers by `start`. */
export interface WorkersReadiness extends Dependency {
  /** The workers this readiness waits for, returned to be run as the service's workers. */
  track(...workers: Worker[]): Worker[];
  /** Work that says itself whether it runs (consumers run elsewhere): up only while each does. */
  follow(...running: { readonly running: boolean }[]): void;
}

/**
 * A required dependency that is up once every worker it tracks has started, and down again once
 * one stops: what a service must have done before it serves (its database set-up, consumers a
 * socket would miss events without), or that it follows while they say they run. Declared with the other dependencies, so /ready reports it
 * in its place; `start` hands it the workers once it has built them. `notReady` is what /ready
 * says meanwhile.
 */
export function readyOnceStarted(name: string, notReady = `${name} has not started yet`): WorkersReadiness {
  const tracked = new Map<Worker, boolean>();
  const followed: { readonly running: boolean }[] = [];
  return {
    name,
    required: true,
    async check() {
      const states = [...tracked.values(), ...followed.map((work) => work.running)];
      if (states.length === 0 || states.some((running) => !running))
        throw new DependencyNotReadyError(notReady);
    },
    follow(...running) {
      followed.push(...running);
    },
    async close() {},
    track(...workers) {
      return workers.map((worker) => {
        tracked.set(worker, false);
        return {
          name: worker.name,
          async start() {
            await worker.start();
            tracked.set(worker, true);
          },
          async stop() {
            tracked.set(worker, false);
            await worker.stop();
          },
        };
      });
    },
  };
}
