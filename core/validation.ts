import type { z } from 'zod';
import { InvalidReleaseInput } from './errors';

/** `smokeTest.cases.0.name` from a zod issue path. */
function fieldOf(path: readonly PropertyKey[], prefix: string): string {
  const joined = path.map(String).join('.');
  return [prefix, joined].filter(Boolean).join('.') || '(input)';
}

/** Zod issues as `{ field, message }`, the field in dot notation. */
export function issuesOf(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((issue) => {
    const field = fieldOf(issue.path, prefix);
    // An unknown key is reported on the parent object: name the key itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldOf([...issue.path, key], prefix),
        message: 'unknown field: remove it or check its spelling',
      }));
    }
    return [{ field, message: issue.message }];
  }).flat();
}

/**
 * Parse or throw `InvalidReleaseInput` whose message names each field and what
 * to do about it, e.g. `strategy.steps: must be strictly increasing, e.g. [10, 50]`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'input', prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, prefix);
  const shown = issues.slice(0, 8).map((i) => `${i.field}: ${i.message}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  throw new InvalidReleaseInput(`invalid ${what}: ${shown.join('; ')}${more}`, issues);
}
