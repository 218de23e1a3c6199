import fc from 'fast-check';

/** Keys that trip naive object handling: prototype pollution and MongoDB operators. */
export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$ne',
  '$gt',
  '$where',
  '$regex',
  '$expr',
  '$set',
  'a.b',
  '',
] as const;

/** Values that mean something to MongoDB when they reach a filter or an update unchecked. */
export const OPERATOR_VALUES = [
  { $ne: null },
  { $gt: '' },
  { $regex: '.*' },
  { $where: 'sleep(1000) || true' },
  { $in: [null, ''] },
  { __proto__: { role: 'admin' } },
  { constructor: { prototype: { isAdmin: true } } },
] as const;

/** One long string per size class, built once: fast-check need not generate megabytes. */
export const HUGE_STRINGS = [
  'x'.repeat(201),
  'é'.repeat(10_001),
  '\u{1F600}'.repeat(5_000),
  'a'.repeat(60_000),
];

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, -1e-308),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFEFF',
    '\u202E',
    '../../etc/passwd',
    '%00',
    '<script>alert(1)</script>',
    "'; DROP TABLE tickets; --",
    '${jndi:ldap://x}',
    'open,closed,lost',
    '2026-13-45T99:99:99Z',
    '000000000000000000000000',
    'ffffffffffffffffffffffff',
  ),
  fc.constantFrom(...HUGE_STRINGS),
);

export const jsonKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...DANGEROUS_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON value, weighted towards the nasty: operators, dangerous keys, deep nesting, huge strings. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: fc.constantFrom(...OPERATOR_VALUES) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(jsonKey, tie('value'), { maxKeys: 5 }) },
  ),
})).value;

/**
 * A body close to a valid one: each known field kept, dropped, or replaced by any JSON value,
 * plus sometimes extra (dangerous) keys. Gets past "must be an object" into the field checks.
 */
export function nearValid(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    Object.entries(valid).map(([key, value]) => [
      key,
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(value) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: anyJson },
      ),
    ]),
  );
  return fc
    .tuple(fc.record(fields), fc.dictionary(jsonKey, anyJson, { maxKeys: 2 }), fc.boolean())
    .map(([base, extra, withExtra]) => {
      const body: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(base)) if (value !== undefined) body[key] = value;
      if (withExtra) for (const [key, value] of Object.entries(extra)) defineOwn(body, key, value);
      return body;
    });
}

/** A body for an endpoint: anything at all, or near a valid one, or a raw text with a `__proto__` member. */
export function bodyFor(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: anyJson },
    { weight: 4, arbitrary: nearValid(valid) },
    {
      weight: 1,
      // JSON.stringify never writes an own `__proto__`, so the raw text does.
      arbitrary: nearValid(valid).map(
        (body) => `{"__proto__":{"role":"admin","isAdmin":true},${JSON.stringify(body).slice(1)}`,
      ),
    },
  );
}

/** Sets a key as an own property, `__proto__` included. */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** A path segment: ids, unicode, traversal, malformed percent-encoding, operator text. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(safeEncode) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '..',
      '%2e%2e',
      '%2F',
      '%00',
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%C0%AF',
      '%FF%FE',
      '%24ne',
      '[$ne]',
      '__proto__',
      'constructor',
      '000000000000000000000000',
      'ffffffffffffffffffffffff',
      '6565656565656565656565656565',
      encodeURIComponent(JSON.stringify({ $ne: null })),
      'x'.repeat(3000),
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
);

/** A query string: known parameters with any values, repeats, brackets, unknown keys, broken encoding. */
export function queryFor(params: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...params) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...params).chain((p) => fc.constantFrom(`${p}[$ne]`, `${p}[]`, `${p}[0]`)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor[prototype][x]', '__proto__[role]', ''),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(encodeURIComponent) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        '-1',
        '0',
        '1e400',
        'NaN',
        '1.5',
        '99999999999999999999',
        'open,pending',
        'open,,',
        '%',
        '%E0%A4%A',
        'eyJzIjoiLWNyZWF0ZWRBdCIsInYiOiJ4IiwibiI6MX0',
        'eyJzIjoiLWNyZWF0ZWRBdCIsInYiOiIrMjc1NzYwLTA5LTEzVDAwOjAwOjAwLjAwMVoiLCJuIjoxfQ',
        'eyJzIjoibnVtYmVyIiwibiI6MWUzMDh9',
        'x'.repeat(5000),
      ),
    },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
  return fc
    .array(fc.tuple(key, value), { maxLength: 6 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
}

/** encodeURIComponent, except for lone surrogates it cannot encode: those are sent as raw `%` bytes. */
function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return Buffer.from(s, 'latin1').toString('hex').replace(/(..)/g, '%$1');
  }
}

/** The first counterexample's reproduction or nothing: fast-check's report stays small. */
export const FUZZ_PARAMETERS: fc.Parameters<unknown> = { endOnFailure: true, verbose: 0 };
