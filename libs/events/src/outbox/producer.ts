import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The relay's Kafka producer, connected on first use and replaced after a failure: a fresh
 * producer reconnects to a broker that came back, whatever state the old one's connections were
 * left in. Each attempt is kept short (few retries) because the relay does its own backoff.
 */
export class ProducerSlot {
  private current?: Promise<Producer>;

  constructor(private readonly kafka: Kafka) {}

  get(): Promise<Producer> {
    if (!this.current) {
      const producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        // kafkajs's default, named so that it does not warn about having changed it (in v2.0.0).
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      const connecting = producer.connect().then(() => producer);
      // A failed connect empties the slot, so the next attempt starts over.
      connecting.catch(() => this.discard(connecting));
      this.current = connecting;
    }
    return this.current;
  }

  /** Drops the producer after a failed send; the next `get()` makes a new one. */
  async reset(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await disconnect(current);
  }

  close(): Promise<void> {
    return this.reset();
  }

  private discard(failed: Promise<Producer>): void {
    if (this.current === failed) this.current = undefined;
  }
}

async function disconnect(producer: Promise<Producer> | undefined): Promise<void> {
  try {
    await (await producer)?.disconnect();
  } catch {
    // It never connected, or its broker is gone: nothing is left to close.
  }
}
