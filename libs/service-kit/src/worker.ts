/**
 * Background work a service runs beside its HTTP server: event consumers, the outbox relay,
 * sweepers. Started once the server listens (retried until it succeeds, since Kafka or MongoDB
 * may not be up yet) and stopped after in-flight requests drained, before the clients close.
 */
export interface Worker {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
