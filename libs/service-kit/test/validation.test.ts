import fc from 'fast-check';
import { z } from 'zod';
import { AppError, parseInput, ValidationError } from '../src';

const body = z.strictObject({
  title: z.string().min(1),
  owner: z.strictObject({ id: z.string().regex(/^\d+$/) }),
});
const query = z.strictObject({
  status: z.array(z.enum(['open', 'solved'])).optional(),
  limit: z.coerce.number().max(50),
});

function problems(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', statusCode: 422 });
    return (error as AppError).details;
  }
  throw new Error('the input was accepted');
}

describe('parseInput', () => {
  it('returns the parsed input', () => {
    expect(parseInput(query, { limit: '5' }, 'query')).toEqual({ limit: 5 });
  });

  it('names a nested field by its dotted path, and every bad field at once', () => {
    expect(problems(() => parseInput(body, { title: '', owner: { id: 'x' } }))).toEqual([
      { field: 'title', message: expect.any(String) },
      { field: 'owner.id', message: expect.any(String) },
    ]);
  });

  it('names each unknown key on its own, at its depth', () => {
    expect(
      problems(() => parseInput(body, { title: 't', owner: { id: '1', admin: true }, role: 'x', x: 1 })),
    ).toEqual(
      expect.arrayContaining([
        { field: 'role', message: 'is not a known field' },
        { field: 'x', message: 'is not a known field' },
        { field: 'owner.admin', message: 'is not a known field' },
      ]),
    );
  });

  it('names a query parameter holding a list by its name, not an index', () => {
    expect(problems(() => parseInput(query, { status: ['open', 'lost'], limit: '5' }, 'query'))).toEqual([
      { field: 'status', message: expect.any(String) },
    ]);
  });

  it('names the input itself when it is not an object, or a lone value that is wrong', () => {
    for (const input of [[1, 2], 'text', 42, true]) {
      expect(problems(() => parseInput(body, input))).toEqual([
        { field: 'body', message: 'must be a JSON object' },
      ]);
    }
    expect(
      problems(() => parseInput(z.string().regex(/^[0-9a-f]{24}$/, 'must be a user id'), 'x', 'id')),
    ).toEqual([{ field: 'id', message: 'must be a user id' }]);
  });

  it('reads a missing input as an empty object', () => {
    expect(problems(() => parseInput(body, undefined))).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'title' })]),
    );
  });

  it('turns any rejected JSON value into a 422 whose every problem names a field', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const parsed = body.safeParse(input ?? {});
        fc.pre(!parsed.success);
        const details = problems(() => parseInput(body, input)) as { field: string; message: string }[];
        expect(details.length).toBeGreaterThan(0);
        for (const { field, message } of details) {
          expect(typeof field).toBe('string');
          expect(message.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
