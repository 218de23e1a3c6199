import type { z } from 'zod';
import { ValidationError, type FieldProblem } from './errors';

/** Where a request's input came from: names the input itself when the problem is not a field. */
export type InputSource = 'body' | 'query' | (string & {});

/**
 * Parses a request's input with a schema, or throws a ValidationError (422) naming every field at
 * fault, the same way in every service: `a.b` for a nested field, each unknown key on its own,
 * a query parameter by its name even when it holds a list, and `where` for the input as a whole.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: InputSource = 'body',
): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ValidationError(fieldProblems(parsed.error, where));
}

/** The fields a zod error names, as `error.details` reports them. */
export function fieldProblems(error: z.ZodError, where: InputSource = 'body'): FieldProblem[] {
  return error.issues.flatMap((issue) => problemsOf(issue, where));
}

function problemsOf(issue: z.core.$ZodIssue, where: InputSource): FieldProblem[] {
  // A query filter's values are one list (`status=open,lost`): name the parameter, not an index.
  const path = where === 'query' ? issue.path.filter((p) => typeof p !== 'number') : issue.path;
  const base = path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: base ? `${base}.${key}` : key,
      message: 'is not a known field',
    }));
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0 && issue.expected === 'object') {
    return [{ field: where, message: 'must be a JSON object' }];
  }
  return [{ field: base || where, message: issue.message }];
}
