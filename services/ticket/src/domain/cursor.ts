import { AppError } from '@support-center/service-kit';
import type { Sort } from './schemas';

/** Where the next page starts: after the item with this sort value and number. */
export interface Cursor {
  sort: Sort;
  value: Date | number;
  number: number;
}

export function encodeCursor({ sort, value, number }: Cursor): string {
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify({ s: sort, v, n: number })).toString('base64url');
}

/** Reads a cursor this service issued for the same sort; anything else is a 400 naming `cursor`. */
export function decodeCursor(raw: string, sort: Sort): Cursor {
  const bad = (message: string) =>
    new AppError('BAD_REQUEST', { message: `cursor: ${message}`, details: [{ field: 'cursor', message }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad('is not a cursor this service issued');
  }
  const { s, v, n } = (parsed ?? {}) as { s?: unknown; v?: unknown; n?: unknown };
  if (typeof n !== 'number' || !Number.isInteger(n)) throw bad('is not a cursor this service issued');
  if (s !== sort) throw bad(`was issued for sort=${String(s)}, not sort=${sort}`);
  if (sort.endsWith('number')) return { sort, value: n, number: n };
  const date = typeof v === 'string' ? new Date(v) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw bad('is not a cursor this service issued');
  return { sort, value: date, number: n };
}
