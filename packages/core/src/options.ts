import type { z } from 'zod';
import { InvalidOptionsError } from './errors.js';

/** Renders a zod issue path as `a.b[0].c` (or `(root)` when empty). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** A zod issue's message, with "missing required field" for absent values instead of zod's type dump. */
export function describeZodIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `missing required field (expected ${issue.expected})`;
  }
  return issue.message;
}

/** One line per zod issue: `  - path: message`. */
export function formatZodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  return error.issues
    .flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map(
            (key) =>
              `  - ${formatIssuePath([...prefix, ...issue.path, key])}: unknown option (check the spelling)`,
          )
        : [`  - ${formatIssuePath([...prefix, ...issue.path])}: ${describeZodIssue(issue)}`],
    )
    .join('\n');
}

/**
 * Validates `input` against `schema` (applying its defaults) and returns the parsed value.
 * Throws `InvalidOptionsError` listing every failing field path and what is expected there.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidOptionsError(`Invalid ${what} options:\n${formatZodIssues(result.error)}`, {
    cause: result.error,
  });
}

/**
 * `options` itself when it is an object; `InvalidOptionsError` for null, an array or a primitive. For constructors
 * that read environment fallbacks from their options before validating them (a JavaScript caller or a parsed config
 * file can pass `null`, which would otherwise be a TypeError).
 */
export function requireOptionsObject<T extends object>(options: T, what: string): T {
  const value: unknown = options;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return options;
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new InvalidOptionsError(`Invalid ${what} options: expected an object of options, got ${got}`);
}
