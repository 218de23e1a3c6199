import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CATEGORIES,
  createEvent,
  EVENT_FIXTURES_DIR,
  EVENT_SPECS,
  eventFixture,
  EventValidationError,
  parseEvent,
  PRIORITIES,
  STATUSES,
  type CloudEvent,
} from '../src';

const fixtureFiles = () => readdirSync(EVENT_FIXTURES_DIR).filter((f) => f.endsWith('.json'));

describe('the event contracts', () => {
  it('have a fixture for every event type and version, and each fixture is a valid event of its type', () => {
    const files = fixtureFiles();
    const problems: string[] = [];
    for (const spec of EVENT_SPECS.values()) {
      const file = `${spec.type}.v${spec.version}.json`;
      if (!files.includes(file)) {
        problems.push(`${spec.type} v${spec.version}: no fixture ${file}`);
        continue;
      }
      try {
        const event = parseEvent(readFileSync(join(EVENT_FIXTURES_DIR, file)));
        if (event.type !== spec.type) problems.push(`${file}: is a ${event.type}`);
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('have no fixture of a type or version that does not exist', () => {
    const known = new Set([...EVENT_SPECS.values()].map((s) => `${s.type}.v${s.version}.json`));
    expect(fixtureFiles().filter((f) => !known.has(f))).toEqual([]);
  });

  it('refuse a fixture whose data no longer fits its schema', () => {
    const stale = { ...eventFixture('ticket.assigned'), data: { ticketId: 'x' } };
    expect(() => parseEvent(JSON.stringify(stale))).toThrow(EventValidationError);
  });

  it('load a fixture with a fresh id and changed fields, its subject following the aggregate', () => {
    const event = eventFixture('file.uploaded', { id: 'fresh', data: { ticketId: 'T-9' } });
    expect({ id: event.id, subject: event.subject, ticketId: event.data.ticketId }).toEqual({
      id: 'fresh',
      subject: 'T-9',
      ticketId: 'T-9',
    });
    expect(() => eventFixture('file.uploaded', { data: { size: -1 } })).toThrow(EventValidationError);
  });

  it('take the ticket vocabulary from its one definition', () => {
    const base = eventFixture('ticket.created').data;
    for (const category of CATEGORIES)
      for (const priority of PRIORITIES)
        for (const status of STATUSES)
          expect(
            createEvent('ticket.created', { ...base, category, priority, status }, { source: '/t' }).data,
          ).toMatchObject({ category, priority, status });
    expect(() =>
      createEvent('ticket.created', { ...base, category: 'printers' as never }, { source: '/t' }),
    ).toThrow(EventValidationError);
  });

  it('narrow an event to its payload by its type, with no cast', () => {
    // Type-checked by the package's typecheck: each branch reads fields only its type has.
    const describe = (event: CloudEvent<'ticket.assigned' | 'ticket.commented' | 'file.deleted'>) => {
      switch (event.type) {
        case 'ticket.assigned':
          return `assigned by ${event.data.assignedBy}, before ${event.data.previousAssigneeId ?? 'nobody'}`;
        case 'ticket.commented':
          return `${event.data.internal ? 'note' : 'comment'} by ${event.data.authorId}`;
        case 'file.deleted':
          return `deleted by ${event.data.deletedBy}`;
      }
    };
    expect(
      [eventFixture('ticket.assigned'), eventFixture('ticket.commented'), eventFixture('file.deleted')].map(
        describe,
      ),
    ).toEqual([
      'assigned by 44444444-4444-4444-8444-444444444444, before nobody',
      'comment by 33333333-3333-4333-8333-333333333333',
      'deleted by 22222222-2222-4222-8222-222222222222',
    ]);
  });
});
