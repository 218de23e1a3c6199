import type { mongo } from 'mongoose';
import type { Logger } from '../logger';
import { keepTrying } from './retry';

/** The heartbeat events' fields read here. */
interface HeartbeatEvent {
  /** The server's address. */
  connectionId: string;
  /** True for the streaming protocol, whose hello the server answers only after a wait. */
  awaited?: boolean;
}

/** The driver's client as far as the watch needs it: its options and its heartbeat events. */
export type MonitoredClient = Pick<mongo.MongoClient, 'on' | 'off'> & {
  readonly options: Pick<mongo.MongoOptions, 'connectTimeoutMS' | 'heartbeatFrequencyMS'>;
};

/**
 * How long one check of the driver's server monitor can run: a TCP connect and a hello, each
 * limited by connectTimeoutMS, plus as much again as slack for a busy event loop; a streaming
 * hello also waits up to heartbeatFrequencyMS for the server to answer.
 */
export function monitorCheckLimitMs(options: MonitoredClient['options'], awaited = false): number {
  return 3 * options.connectTimeoutMS + (awaited ? options.heartbeatFrequencyMS : 0);
}

/**
 * Calls `onStuck` when a check of the driver's server monitor (a heartbeat) runs past
 * `monitorCheckLimitMs`, which no check that can still end does. Returns a function that stops
 * watching.
 */
export function watchServerMonitor(
  client: MonitoredClient,
  onStuck: (server: string, runningMs: number) => void,
): () => void {
  const running = new Map<string, NodeJS.Timeout>();
  const ended = ({ connectionId }: HeartbeatEvent) => {
    clearTimeout(running.get(connectionId));
    running.delete(connectionId);
  };
  const started = (event: HeartbeatEvent) => {
    ended(event);
    const limitMs = monitorCheckLimitMs(client.options, event.awaited);
    const timer = setTimeout(() => {
      running.delete(event.connectionId);
      onStuck(event.connectionId, limitMs);
    }, limitMs);
    // The watch must not keep a stopping process alive.
    timer.unref();
    running.set(event.connectionId, timer);
  };
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);
  return () => {
    client.off('serverHeartbeatStarted', started);
    client.off('serverHeartbeatSucceeded', ended);
    client.off('serverHeartbeatFailed', ended);
    for (const timer of running.values()) clearTimeout(timer);
    running.clear();
  };
}

/** The client a restart closes and connects again. */
export type RestartableClient = MonitoredClient & Pick<mongo.MongoClient, 'close' | 'connect'>;

/**
 * Restarts the driver's client when its server monitor is stuck: a check that never ends leaves
 * the server unknown for good (every operation fails server selection with the error that made it
 * unknown) while the monitor ignores every request to check again. The driver has such a check:
 * a hello written to a socket Node has destroyed but not yet reported closed waits for a 'drain'
 * that never comes, with no timeout (mongodb 7.8, `Connection.writeCommand`), and a MongoDB that
 * closes every connection at once (a restart) makes that likely under load.
 *
 * Closing ends the stuck monitor with its topology; connecting again builds a new one on the same
 * client, so the `Db` and collections handed out keep working. Until then operations fail as
 * "not connected" (a 503 in a request). Returns a function that stops watching and waits for a
 * restart under way.
 */
export function restartWhenMonitorStuck(client: RestartableClient, logger: Logger): () => Promise<void> {
  let stopped = false;
  let stopRetrying: (() => void) | undefined;
  let attempt: Promise<void> | undefined;

  const reconnect = async () => {
    await client.close();
    if (stopped) return;
    await client.connect();
    // Stopped while connecting: the dependency is closing and must not leave a live client behind.
    if (stopped) await client.close();
  };
  const restart = (server: string, runningMs: number) => {
    if (stopped || stopRetrying) return;
    logger.warn(
      { dependency: 'MongoDB', server, runningMs },
      "the MongoDB driver's server monitor is stuck in one check; reconnecting the client",
    );
    stopRetrying = keepTrying(
      async () => {
        attempt = reconnect();
        await attempt;
        stopRetrying = undefined;
      },
      { what: 'MongoDB', logger },
    );
  };

  const unwatch = watchServerMonitor(client, restart);
  return async () => {
    stopped = true;
    unwatch();
    stopRetrying?.();
    await attempt?.catch(() => undefined);
  };
}
