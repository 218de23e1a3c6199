import { ValidationError, type FieldProblem } from '@support-center/service-kit';
import type { z } from 'zod';

/** Parses input with a schema, or throws a ValidationError naming every field at fault. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ValidationError(parsed.error.issues.flatMap((issue) => problemsOf(issue, where)));
}

function problemsOf(issue: z.core.$ZodIssue, where: string): FieldProblem[] {
  // A query filter's values are one list (`status=open,lost`): name the parameter, not an index.
  const path = where === 'query' ? issue.path.filter((p) => typeof p !== 'number') : issue.path;
  const base = path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: base ? `${base}.${key}` : key,
      message: 'is not a known field',
    }));
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return [{ field: where, message: `must be a JSON object` }];
  }
  return [{ field: base || where, message: issue.message }];
}
