import fc from 'fast-check';
import { loadTicketConfig, slaPolicy } from '../src/config';
import {
  initialSla,
  onPriorityChange,
  onStatusChange,
  parseHoursByPriority,
  solvedWithinTarget,
  type SlaPolicy,
} from '../src/domain/sla';
import {
  businessClock,
  calendarClock,
  parseBusinessHours,
  type SlaClock,
  type WeeklyHours,
} from '../src/domain/sla-clock';
import { PRIORITIES } from '../src/domain/ticket';

const HOUR = 3_600_000;
const MINUTE = 60_000;

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
const CALENDARS = [
  'mon-fri 09:00-17:00',
  'mon-fri 08:00-12:00 13:00-17:30; sat 10:00-14:00',
  'sun-sat 00:00-24:00',
];

/** Instants from 2024 to 2028: both sides of several daylight-saving changes in each zone. */
const instant = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) })
  .map((ms) => new Date(ms));
const duration = fc.integer({ min: 1, max: 200 * HOUR });
const clockCase = fc.record({ zone: fc.constantFrom(...ZONES), calendar: fc.constantFrom(...CALENDARS) });

/** The local weekday and minute of the day at `at` in `zone`. */
function local(at: Date, zone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Within business hours, an interval's end included (a due time may fall on the closing minute). */
function inHours(at: Date, zone: string, hours: WeeklyHours): boolean {
  const { day, minute } = local(at, zone);
  const seconds = at.getUTCSeconds() * 1000 + at.getUTCMilliseconds();
  return (
    hours[day]!.some((i) => minute >= i.start && minute + (seconds > 0 ? 1 : 0) <= i.end) ||
    // 24:00 closes the day: the next local day's 00:00.
    hours[(day + 6) % 7]!.some((i) => i.end === 24 * 60 && minute === 0 && seconds === 0)
  );
}

describe('business hours calendar', () => {
  it('reads days, ranges and several intervals, merging overlaps', () => {
    const week = parseBusinessHours('mon-wed 09:00-12:00 11:00-17:00; fri,sun 10:00-14:00');
    expect(week[1]).toEqual([{ start: 540, end: 1020 }]);
    expect(week[3]).toEqual([{ start: 540, end: 1020 }]);
    expect(week[4]).toEqual([]);
    expect(week[5]).toEqual([{ start: 600, end: 840 }]);
    expect(week[0]).toEqual([{ start: 600, end: 840 }]);
  });

  it.each([
    ['mon-fri', /names no hours/],
    ['mon-fri 17:00-09:00', /ends before it starts/],
    ['mon-fri 09:00-25:00', /not a time of day/],
    ['funday 09:00-17:00', /not a weekday/],
    ['mon-fri 9-17', /not a time of day/],
    ['', /no business hours/],
  ])('refuses %j', (text, message) => {
    expect(() => parseBusinessHours(text)).toThrow(message);
  });

  it('counts a Friday afternoon ticket into Monday, in local time across a clock change', () => {
    const clock = businessClock(parseBusinessHours('mon-fri 09:00-17:00'), 'Europe/Berlin');
    // Friday 2026-03-27 16:00 in Berlin (UTC+1); the clocks go forward on Sunday the 29th.
    const friday = new Date('2026-03-27T15:00:00Z');
    // One hour left on Friday, three on Monday: Monday 12:00 in Berlin, now UTC+2.
    expect(clock.add(friday, 4 * HOUR).toISOString()).toBe('2026-03-30T10:00:00.000Z');
    expect(clock.between(friday, new Date('2026-03-30T10:00:00Z'))).toBe(4 * HOUR);
  });

  it('due ≥ start, and a business due time never falls outside business hours', () => {
    fc.assert(
      fc.property(clockCase, instant, duration, ({ zone, calendar }, start, ms) => {
        const hours = parseBusinessHours(calendar);
        const due = businessClock(hours, zone).add(start, ms);
        expect(due.getTime()).toBeGreaterThanOrEqual(start.getTime() + Math.min(ms, 1));
        expect(inHours(due, zone, hours)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('counts back exactly what it added, and adding is additive', () => {
    fc.assert(
      fc.property(clockCase, instant, duration, duration, ({ zone, calendar }, start, a, b) => {
        const clock = businessClock(parseBusinessHours(calendar), zone);
        const due = clock.add(start, a);
        expect(clock.between(start, due)).toBe(a);
        expect(clock.add(start, a + b).getTime()).toBe(clock.add(due, b).getTime());
      }),
      { numRuns: 300 },
    );
  });
});

/** A policy with the default targets on `clock`. */
function policyOn(clock: SlaClock): SlaPolicy {
  return { ...slaPolicy(loadTicketConfig({})), clock };
}

describe('service-level due times', () => {
  const policies = fc.oneof(
    fc.constant(policyOn(calendarClock())),
    clockCase.map(({ zone, calendar }) => policyOn(businessClock(parseBusinessHours(calendar), zone))),
  );
  const priority = fc.constantFrom(...PRIORITIES);

  it('a new ticket is due after its targets, the warning before the due time', () => {
    fc.assert(
      fc.property(policies, instant, priority, (policy, created, p) => {
        const sla = initialSla(created, p, policy);
        expect(sla.responseDueAt!.getTime()).toBeGreaterThan(created.getTime());
        expect(sla.responseWarnAt!.getTime()).toBeLessThanOrEqual(sla.responseDueAt!.getTime());
        expect(sla.resolutionWarnAt!.getTime()).toBeLessThanOrEqual(sla.resolutionDueAt!.getTime());
        expect(policy.clock.between(created, sla.resolutionDueAt!)).toBe(policy.resolutionMs[p]);
      }),
      { numRuns: 100 },
    );
  });

  it('pausing for d moves the resolution due time by exactly the counted time paused', () => {
    fc.assert(
      fc.property(
        policies,
        instant,
        priority,
        fc.integer({ min: 0, max: 48 * HOUR }),
        fc.integer({ min: 1, max: 300 * HOUR }),
        (policy, created, p, pauseAfter, pausedFor) => {
          const ticket = {
            createdAt: created,
            priority: p,
            status: 'open' as const,
            ...initialSla(created, p, policy),
          };
          const pausedAt = new Date(created.getTime() + pauseAfter);
          const paused = { ...ticket, ...onStatusChange(ticket, 'pending', pausedAt, policy) };
          if (pausedAt >= ticket.resolutionDueAt!) {
            // Already breached: the clock is not paused and nothing moves.
            expect(paused.resolutionDueAt).toEqual(ticket.resolutionDueAt);
            return;
          }
          expect(paused.resolutionDueAt).toBeNull();
          const resumedAt = new Date(pausedAt.getTime() + pausedFor);
          const resumed = {
            ...paused,
            status: 'pending' as const,
            ...onStatusChange(paused, 'in_progress', resumedAt, policy),
          };
          const counted = policy.clock.between(pausedAt, resumedAt);
          expect(resumed.resolutionPausedAt).toBeNull();
          expect(policy.clock.between(ticket.resolutionDueAt!, resumed.resolutionDueAt!)).toBe(counted);
          expect(resumed.resolutionDueAt!.getTime()).toBeGreaterThanOrEqual(
            ticket.resolutionDueAt!.getTime(),
          );
          // The first response's clock does not pause.
          expect(resumed.responseDueAt).toEqual(ticket.responseDueAt);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a priority change recomputes both due times from creation, except a given first response', () => {
    const policy = policyOn(calendarClock());
    const created = new Date('2026-03-02T09:00:00Z');
    const ticket = {
      createdAt: created,
      priority: 'low' as const,
      status: 'open' as const,
      ...initialSla(created, 'low', policy),
    };
    const raised = onPriorityChange(ticket, 'critical', policy);
    expect(raised.responseDueAt).toEqual(new Date(created.getTime() + HOUR));
    expect(raised.resolutionDueAt).toEqual(new Date(created.getTime() + 8 * HOUR));
    const responded = { ...ticket, firstRespondedAt: new Date(created.getTime() + 30 * MINUTE) };
    expect(onPriorityChange(responded, 'critical', policy)).not.toHaveProperty('responseDueAt');
    // While paused, the resolution due time is computed when the clock resumes.
    const paused = {
      ...ticket,
      ...onStatusChange(ticket, 'pending', new Date(created.getTime() + HOUR), policy),
    };
    expect(onPriorityChange(paused, 'critical', policy)).not.toHaveProperty('resolutionDueAt');
  });

  it('solved within target only before the due time and without a breach', () => {
    const policy = policyOn(calendarClock());
    const created = new Date('2026-03-02T09:00:00Z');
    const ticket = {
      createdAt: created,
      priority: 'high' as const,
      status: 'open' as const,
      ...initialSla(created, 'high', policy),
    };
    const due = ticket.resolutionDueAt!;
    expect(solvedWithinTarget(ticket, due)).toBe(true);
    expect(solvedWithinTarget(ticket, new Date(due.getTime() + 1))).toBe(false);
    expect(
      solvedWithinTarget({ ...ticket, slaBreached: { first_response: false, resolution: true } }, created),
    ).toBe(false);
  });
});

describe('service-level configuration', () => {
  it('has defaults: calendar hours, 80 % warnings', () => {
    const config = loadTicketConfig({});
    expect(config.SLA_CLOCK).toBe('calendar');
    expect(config.SLA_WARNING_FRACTION).toBe(0.8);
    expect(config.SLA_FIRST_RESPONSE_HOURS).toEqual({ low: 24, medium: 8, high: 4, critical: 1 });
    expect(parseHoursByPriority('critical:0.5,high:2,medium:8,low:24').critical).toBe(0.5);
  });

  it.each([
    ['SLA_FIRST_RESPONSE_HOURS', 'low:24,medium:8,high:4', /no target for critical/],
    ['SLA_FIRST_RESPONSE_HOURS', 'low:24,medium:8,high:4,critical:0', /positive number/],
    ['SLA_RESOLUTION_HOURS', 'low:x,medium:8,high:4,critical:1', /positive number/],
    ['SLA_RESOLUTION_HOURS', 'urgent:1,low:24,medium:8,high:4,critical:1', /<priority>:<hours>/],
    ['SLA_CLOCK', 'office', /./],
    ['SLA_BUSINESS_HOURS', 'mon-fri 17:00-09:00', /ends before it starts/],
    ['SLA_TIME_ZONE', 'Mars/Olympus_Mons', /IANA time zone/],
    ['SLA_WARNING_FRACTION', '1', /./],
    ['SLA_WARNING_FRACTION', '0', /./],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadTicketConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect((error as { problems?: string[] }).problems).toEqual([
      expect.stringMatching(new RegExp(`^${name}: `)),
    ]);
    expect((error as { problems: string[] }).problems[0]).toMatch(message);
  });
});
