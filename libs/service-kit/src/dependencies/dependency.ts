import { SupportCenterError } from '@support-center/telemetry';

/** Something a service needs (a database, a broker, a bucket), as /ready reports it. */
export interface Dependency {
  readonly name: string;
  /** While a required dependency is down, /ready answers 503. */
  readonly required: boolean;
  /** Resolves when the dependency answers; rejects with the reason it does not. */
  check(): Promise<void>;
  /** Releases the dependency's clients at shutdown. */
  close(): Promise<void>;
}

/** A dependency's check found it not usable yet (not connected, not started): /ready's reason. */
export class DependencyNotReadyError extends SupportCenterError {
  constructor(reason: string) {
    super('ERR_DEPENDENCY_NOT_READY', reason);
  }
}

export interface DependencyState {
  name: string;
  required: boolean;
  status: 'up' | 'down';
  error?: string;
  latencyMs: number;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * Checks every dependency at once. A check still running from an earlier request is joined
 * rather than started again, so a slow dependency and a busy prober cannot pile checks up.
 */
export class DependencyChecker {
  private readonly inFlight = new Map<string, Promise<DependencyState>>();

  constructor(readonly dependencies: readonly Dependency[]) {}

  async checkAll(): Promise<DependencyState[]> {
    return Promise.all(this.dependencies.map((d) => this.check(d)));
  }

  private check(dependency: Dependency): Promise<DependencyState> {
    const running = this.inFlight.get(dependency.name);
    if (running) return running;
    const state = probe(dependency).finally(() => this.inFlight.delete(dependency.name));
    this.inFlight.set(dependency.name, state);
    return state;
  }
}

async function probe(dependency: Dependency): Promise<DependencyState> {
  const startedAt = performance.now();
  const base = { name: dependency.name, required: dependency.required };
  try {
    await withTimeout(dependency.check(), CHECK_TIMEOUT_MS);
    return { ...base, status: 'up', latencyMs: elapsed(startedAt) };
  } catch (error) {
    return { ...base, status: 'down', error: messageOf(error), latencyMs: elapsed(startedAt) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
