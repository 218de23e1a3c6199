/**
 * How service-level time is counted (no I/O): every hour of the calendar, or only the hours of a
 * weekly business calendar in one time zone. Time zones and daylight saving come from `Intl`, so
 * a business day of 09:00-17:00 stays 09:00-17:00 local on both sides of a clock change.
 */

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Minutes after local midnight, `end` at most 24:00. */
export interface BusinessInterval {
  start: number;
  end: number;
}

/** Business intervals of each weekday, Sunday first, sorted and not overlapping. */
export type WeeklyHours = readonly (readonly BusinessInterval[])[];

export interface SlaClock {
  /** The instant `ms` of counted time after `from` (`from` itself for 0). */
  add(from: Date, ms: number): Date;
  /** The counted time between two instants; 0 when `to` is not after `from`. */
  between(from: Date, to: Date): number;
}

export function calendarClock(): SlaClock {
  return {
    add: (from, ms) => new Date(from.getTime() + Math.max(0, ms)),
    between: (from, to) => Math.max(0, to.getTime() - from.getTime()),
  };
}

export class BusinessHoursError extends Error {}

function parseTime(text: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) > 59 || !(minutes >= 0 && minutes <= DAY_MINUTES))
    throw new BusinessHoursError(`"${text}" is not a time of day (HH:MM, 00:00 to 24:00)`);
  return minutes;
}

function parseDays(text: string): number[] {
  const day = (name: string) => {
    const index = WEEKDAYS.indexOf(name.toLowerCase() as (typeof WEEKDAYS)[number]);
    if (index < 0) throw new BusinessHoursError(`"${name}" is not a weekday (${WEEKDAYS.join(', ')})`);
    return index;
  };
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [first, last] = part.split('-');
    if (last === undefined) {
      days.add(day(first!));
      continue;
    }
    // A range may wrap the week (fri-mon).
    for (let d = day(first!), end = day(last); ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
  }
  return [...days];
}

/**
 * Reads a weekly calendar such as `mon-fri 09:00-17:00` or
 * `mon-fri 09:00-12:00 13:00-17:00; sat 10:00-14:00`: entries separated by `;`, each weekdays
 * (a day, a range, or a comma list) then one or more `HH:MM-HH:MM` intervals. Overlapping
 * intervals are merged. A calendar without any hour is refused: nothing would ever be due.
 */
export function parseBusinessHours(text: string): WeeklyHours {
  const week: BusinessInterval[][] = WEEKDAYS.map(() => []);
  for (const entry of text.split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const [days, ...intervals] = entry.split(/\s+/);
    if (intervals.length === 0)
      throw new BusinessHoursError(`"${entry}" names no hours (expected e.g. "mon-fri 09:00-17:00")`);
    for (const interval of intervals) {
      const [from, to, extra] = interval.split('-');
      if (to === undefined || extra !== undefined)
        throw new BusinessHoursError(`"${interval}" is not an interval (HH:MM-HH:MM)`);
      const start = parseTime(from!);
      const end = parseTime(to);
      if (end <= start) throw new BusinessHoursError(`"${interval}" ends before it starts`);
      for (const d of parseDays(days!)) week[d]!.push({ start, end });
    }
  }
  const merged = week.map((intervals) => {
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    const out: BusinessInterval[] = [];
    for (const i of sorted) {
      const last = out.at(-1);
      if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
      else out.push({ ...i });
    }
    return out;
  });
  if (merged.every((day) => day.length === 0)) throw new BusinessHoursError('names no business hours at all');
  return merged;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })),
    );
  return f;
}

/** The wall-clock time at `instant` in `timeZone`, as if it were UTC (ms since the epoch). */
function wallTime(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/**
 * The instant the wall clock of `timeZone` shows `wall` (a wall time as if UTC). A wall time
 * skipped by a clock change is read with the offset before the change (02:30 in a gap from 02:00
 * to 03:00 is 03:30); one shown twice is the first.
 */
function instantOf(wall: number, timeZone: string): number {
  const offsetBefore = wallTime(wall - DAY_MINUTES * MINUTE, timeZone) - (wall - DAY_MINUTES * MINUTE);
  const offsetAfter = wallTime(wall + DAY_MINUTES * MINUTE, timeZone) - (wall + DAY_MINUTES * MINUTE);
  // Try the earlier offset first (the first of a repeated hour), then the later one.
  for (const offset of [Math.max(offsetBefore, offsetAfter), Math.min(offsetBefore, offsetAfter)]) {
    const instant = wall - offset;
    if (wallTime(instant, timeZone) === wall) return instant;
  }
  // In a gap (the clock jumped forward): read with the offset that held before the jump.
  return wall - offsetBefore;
}

/** Local days whose intervals a clock remembers: about eleven years of days, a few MB at most. */
const MAX_CACHED_DAYS = 4096;

/**
 * The business intervals of successive local days, as instants, from the day holding `from`.
 * Converting a wall time costs a few `Intl` calls; every ticket of a day needs the same ones, so
 * each day's instants are kept in `days`.
 */
function* businessIntervals(
  hours: WeeklyHours,
  timeZone: string,
  from: number,
  days: Map<number, readonly [number, number][]>,
): Generator<[number, number]> {
  const wall = wallTime(from, timeZone);
  const day = new Date(wall);
  let midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  for (;;) {
    let intervals = days.get(midnight);
    if (!intervals) {
      intervals = hours[new Date(midnight).getUTCDay()]!.map(({ start, end }): [number, number] => [
        instantOf(midnight + start * MINUTE, timeZone),
        instantOf(midnight + end * MINUTE, timeZone),
      ]).filter(([s, e]) => e > s);
      if (days.size >= MAX_CACHED_DAYS) days.clear();
      days.set(midnight, intervals);
    }
    yield* intervals;
    midnight += DAY_MINUTES * MINUTE;
  }
}

export function businessClock(hours: WeeklyHours, timeZone: string): SlaClock {
  if (!isTimeZone(timeZone)) throw new BusinessHoursError(`"${timeZone}" is not an IANA time zone`);
  const days = new Map<number, readonly [number, number][]>();
  return {
    add(from, ms) {
      let remaining = Math.max(0, ms);
      if (remaining === 0) return new Date(from);
      for (const [s, e] of businessIntervals(hours, timeZone, from.getTime(), days)) {
        const start = Math.max(s, from.getTime());
        if (e <= start) continue;
        if (remaining <= e - start) return new Date(start + remaining);
        remaining -= e - start;
      }
      throw new Error('unreachable: the business calendar repeats every week');
    },
    between(from, to) {
      let counted = 0;
      if (to <= from) return 0;
      for (const [s, e] of businessIntervals(hours, timeZone, from.getTime(), days)) {
        if (s >= to.getTime()) return counted;
        counted += Math.max(0, Math.min(e, to.getTime()) - Math.max(s, from.getTime()));
      }
      throw new Error('unreachable: the generator never ends');
    },
  };
}
