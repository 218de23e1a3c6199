import type { Connection } from 'mongoose';
import { StoreUnavailableError } from '../errors';
import type { Instruments } from '@support-center/telemetry';
import type { EventHandler, EventsLogger } from '../consumer/types';
import {
  revocationStore,
  RevocationStoreUnavailableError,
  type Revocation,
  type RevocationStore,
} from './store';

/** What a verified access token says about itself, as far as revocation is concerned. */
export interface RevocableToken {
  /** The user (`sub`). */
  id: string;
  /** The auth session (`sid`). */
  sessionId?: string;
  /** `iat`, in seconds since the epoch. */
  issuedAt?: number;
}

export interface RevocationListOptions {
  /** The service's own database: revocations live in its `revocations` collection. */
  connection: Connection;
  /** How often this instance reloads what the other instances stored (default 1 s). */
  refreshIntervalMs?: number;
  /** How often revocations whose tokens have all expired are deleted (default 1 minute). */
  sweepIntervalMs?: number;
  /**
   * How long a deactivated user's older tokens stay refused: at least the longest access-token
   * lifetime the auth service may be configured with (default 24 h, its maximum).
   */
  userRevocationTtlMs?: number;
  logger?: EventsLogger;
  /** Where a failed reload is counted: `background_task_failures_total{task="revocation list"}`. */
  metrics?: Pick<Instruments, 'background_task_failures_total'>;
  now?: () => Date;
}

export interface RevocationHandlers {
  'session.revoked': EventHandler<'session.revoked'>;
  'user.updated': EventHandler<'user.updated'>;
}

export interface RevocationList {
  /** Synchronous and cheap: a map lookup, for every authenticated request. */
  isRevoked(token: RevocableToken): boolean;
  /** Handlers of the `auth` topic's events that revoke tokens, for the service's `auth` consumer. */
  readonly handlers: RevocationHandlers;
  /** Called whenever revocations were added (here or by another instance): close what they concern. */
  onRevoked(listener: () => void): void;
  /** Reloads from the collection now (the worker does it every `refreshIntervalMs`). */
  refresh(): Promise<void>;
  /** Keeps the in-memory copy fresh and sweeps expired revocations. */
  readonly worker: { name: string; start(): Promise<void>; stop(): Promise<void> };
  /**
   * A required dependency (the kit's shape): not ready until the stored revocations were loaded
   * once, so a restarted instance never accepts a token its peers refuse.
   */
  readonly readiness: { name: string; required: boolean; check(): Promise<void>; close(): Promise<void> };
  /** Revocations held in memory. */
  readonly size: number;
}

/** Tokens are verified with a few seconds of clock tolerance, so revocations outlive them by this. */
const EXPIRY_MARGIN_MS = 60_000;
const WORKER = 'revocation list';
const silent: EventsLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What a service's start context gives a revocation list: its refresh interval, logger and metrics. */
export interface RevocationContext {
  config: { REVOCATION_REFRESH_INTERVAL_MS: number };
  logger: EventsLogger;
  telemetry: { metrics: Pick<Instruments, 'background_task_failures_total'> };
}

/**
 * The revocation list of a service, on its own database, from its start context: a dependency to
 * declare (its `readiness` is reported, its `worker` run with the service's).
 */
export function revocationListFor(
  { config, logger, telemetry }: RevocationContext,
  connection: Connection,
): RevocationList {
  return createRevocationList({
    connection,
    refreshIntervalMs: config.REVOCATION_REFRESH_INTERVAL_MS,
    logger,
    metrics: telemetry.metrics,
  });
}

/**
 * Access-token revocation for a service that verifies tokens itself: the auth service's
 * `session.revoked` and `user.updated` (`active: false`) events, stored in the service's own
 * database by its `auth` consumer (so its replicas share them and a restart keeps them), and held
 * in memory by every instance, reloaded every second, so the check stays a synchronous lookup.
 *
 * @example
 * const revocations = createRevocationList({ connection: mongo.connection, logger });
 * const auth = jwtAuth({ jwksUrl, revocations });
 * // handlers: { ...revocations.handlers } in the `auth` consumer; workers: [revocations.worker]
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const {
    connection,
    refreshIntervalMs = 1_000,
    sweepIntervalMs = 60_000,
    userRevocationTtlMs = 86_400_000,
    logger = silent,
    metrics,
    now = () => new Date(),
  } = options;
  const store: RevocationStore = revocationStore(connection);
  // The series exists from the start, so a rate or an increase sees the first failure.
  metrics?.background_task_failures_total.add(0, { task: WORKER });
  /** Session id → when its tokens have all expired (ms). */
  let sessions = new Map<string, number>();
  /** User id → tokens issued before this second are refused, until `expiresAt` (ms). */
  let users = new Map<string, { notBeforeSeconds: number; expiresAt: number }>();
  const listeners = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let lastSweep = 0;
  let loaded = false;
  /** Failed reloads in a row, 0 while reloading works. */
  let failing = 0;
  /** Whether this streak of failures was logged at warn (then its end is logged at info). */
  let warned = false;

  function notify(): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        logger.error({ err: error }, 'a revocation listener failed');
      }
    }
  }

  /** Adds to memory; true when it was not known yet. */
  function hold(revocation: Revocation): boolean {
    const expiresAt = revocation.expiresAt.getTime();
    if (revocation.kind === 'session') {
      const known = sessions.get(revocation.sessionId);
      sessions.set(revocation.sessionId, Math.max(known ?? 0, expiresAt));
      return known === undefined;
    }
    // A token's iat has whole seconds: one issued in the revocation's second counts as older.
    const notBeforeSeconds = Math.ceil(revocation.notBefore.getTime() / 1000);
    const known = users.get(revocation.userId);
    users.set(revocation.userId, {
      notBeforeSeconds: Math.max(known?.notBeforeSeconds ?? 0, notBeforeSeconds),
      expiresAt: Math.max(known?.expiresAt ?? 0, expiresAt),
    });
    return known === undefined || notBeforeSeconds > known.notBeforeSeconds;
  }

  async function revoke(revocation: Revocation): Promise<void> {
    if (revocation.expiresAt.getTime() <= now().getTime()) return; // its tokens are dead already
    await store.save(revocation);
    if (hold(revocation)) notify();
  }

  async function reload(): Promise<void> {
    const at = now();
    const stored = await store.live(at);
    // Revocations are never withdrawn, only outlived: keep what memory has that is still in force
    // (one applied here while this read was under way), add what the other instances stored.
    const cutoff = at.getTime();
    sessions = new Map([...sessions].filter(([, expiresAt]) => expiresAt > cutoff));
    users = new Map([...users].filter(([, held]) => held.expiresAt > cutoff));
    let added = false;
    for (const revocation of stored) if (hold(revocation)) added = true;
    loaded = true;
    if (added) notify();
    if (cutoff - lastSweep >= sweepIntervalMs) {
      lastSweep = cutoff;
      const deleted = await store.sweep(at);
      if (deleted > 0) logger.debug({ deleted }, 'expired revocations swept');
    }
  }

  const refresh = (): Promise<void> => (running ??= reload().finally(() => (running = undefined)));

  function schedule(delayMs = refreshIntervalMs): void {
    if (stopped) return;
    timer = setTimeout(() => {
      refresh()
        .then(() => {
          if (warned)
            logger.info({ task: WORKER, failures: failing }, 'reloading the revocations works again');
          failing = 0;
          warned = false;
        })
        .catch((error: unknown) => {
          // The copy in memory stays in force, the next tick tries again. Counted every time;
          // logged at warn once per streak (disconnected: at debug, /ready says so), then at debug.
          failing += 1;
          metrics?.background_task_failures_total.add(1, { task: WORKER });
          const fields = { task: WORKER, err: error, failures: failing };
          if (!warned && !(error instanceof RevocationStoreUnavailableError)) {
            warned = true;
            logger.warn(fields, 'reloading the revocations failed; the next tick retries');
          } else logger.debug(fields, 'reloading the revocations failed; the next tick retries');
        })
        .finally(() => schedule());
    }, delayMs);
    timer.unref();
  }

  return {
    isRevoked(token) {
      const at = now().getTime();
      if (token.sessionId !== undefined) {
        const until = sessions.get(token.sessionId);
        if (until !== undefined && until > at) return true;
      }
      const user = users.get(token.id);
      if (user === undefined || user.expiresAt <= at) return false;
      return token.issuedAt === undefined || token.issuedAt < user.notBeforeSeconds;
    },
    handlers: {
      'session.revoked': async (event) => {
        const { userId, sessionId, reason, tokensExpireBy } = event.data;
        const expiresAt = new Date(new Date(tokensExpireBy).getTime() + EXPIRY_MARGIN_MS);
        await revoke({ kind: 'session', userId, sessionId, reason, expiresAt });
      },
      'user.updated': async (event) => {
        if (event.data.active) return;
        const notBefore = new Date(event.time);
        const expiresAt = new Date(notBefore.getTime() + userRevocationTtlMs + EXPIRY_MARGIN_MS);
        await revoke({
          kind: 'user',
          userId: event.data.userId,
          notBefore,
          reason: 'deactivated',
          expiresAt,
        });
      },
    },
    onRevoked(listener) {
      listeners.add(listener);
    },
    refresh,
    worker: {
      name: WORKER,
      async start() {
        stopped = false;
        schedule(0);
      },
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running?.catch(() => undefined);
      },
    },
    readiness: {
      name: 'revocations',
      required: true,
      async check() {
        if (!loaded) throw new StoreUnavailableError('the stored revocations are not loaded yet');
      },
      async close() {},
    },
    get size() {
      return sessions.size + users.size;
    },
  };
}
