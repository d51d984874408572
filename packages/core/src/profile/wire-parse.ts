import type { z } from 'zod';
import { InvalidCronError, InvalidProfileError } from '../errors.js';
import { describeZodIssue, formatIssuePath } from '../options.js';
import { validateCron } from './cron.js';

/** Turns zod issues on profile JSON into one `InvalidProfileError` whose `path` is the first failing field. */
export function profileError(error: z.ZodError, prefix: readonly PropertyKey[]): InvalidProfileError {
  const lines = error.issues.map(
    (issue) => `${formatIssuePath([...prefix, ...issue.path])}: ${describeZodIssue(issue)}`,
  );
  const first = error.issues[0];
  const path = first ? formatIssuePath([...prefix, ...first.path]) : '';
  return new InvalidProfileError(`Invalid profile: ${lines.join('; ')}`, path === '(root)' ? '' : path, {
    cause: error,
  });
}

/** Validates part of a profile's wire JSON; throws `InvalidProfileError` naming the field path. */
export function parseProfileJson<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw profileError(parsed.error, prefix);
  return parsed.data;
}

/** Checks a schedule read from JSON; throws `InvalidProfileError` at `path` wrapping the `InvalidCronError`. */
export function checkProfileSchedule(schedule: string, prefix: readonly PropertyKey[]): void {
  try {
    validateCron(schedule);
  } catch (err) {
    if (err instanceof InvalidCronError) {
      const path = formatIssuePath(prefix);
      throw new InvalidProfileError(`Invalid profile at ${path}: ${err.message}`, path, { cause: err });
    }
    throw err;
  }
}
