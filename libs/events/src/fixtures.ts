import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventSpec, type EventData, type EventType } from './catalog';
import { createEvent, parseEvent, type CloudEvent } from './envelope';
import { EventValidationError } from './errors';

/**
 * The example event of each contract version, `fixtures/<type>.v<version>.json` in this package:
 * what the producers' tests compare their events with and the consumers' tests feed their
 * handlers, so both sides are tested against the same contract. Read only by tests.
 */
export const EVENT_FIXTURES_DIR = join(__dirname, '../fixtures');

export interface EventFixtureOverrides<T extends EventType> {
  /** A fresh id, so a consumer's idempotency does not take the event for a redelivery. */
  id?: string;
  time?: Date;
  /** Fields of the data to change (the subject follows the aggregate id). */
  data?: Partial<EventData<T>>;
}

/** The fixture of the current version of `type`, validated, with the overrides applied. */
export function eventFixture<T extends EventType>(
  type: T,
  overrides: EventFixtureOverrides<T> = {},
): CloudEvent<T> {
  const spec = eventSpec(type);
  if (!spec) throw new EventValidationError(`unknown event type ${type}`);
  const fixture = parseEvent(readFileSync(join(EVENT_FIXTURES_DIR, `${type}.v${spec.version}.json`)));
  return createEvent(type, { ...fixture.data, ...overrides.data } as EventData<T>, {
    source: fixture.source,
    id: overrides.id ?? fixture.id,
    time: overrides.time ?? new Date(fixture.time),
  });
}
