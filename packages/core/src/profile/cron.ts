import { Cron } from 'croner';
import { InvalidCronError, InvalidOptionsError } from '../errors.js';
import { CommonCrons } from './common-crons.js';

/**
 * Scouter's cron dialect (Rust `cron` crate 0.15): `sec min hour day-of-month month day-of-week [year]`,
 * 6 or 7 fields, day-of-week 1 = Sunday … 7 = Saturday, names case-insensitive, `@daily`-style shorthands,
 * day-of-month and day-of-week must both match. All times are UTC.
 *
 * croner 9 has no year field and numbers weekdays from 0 = Sunday, so expressions are parsed here into
 * explicit value sets and handed to croner as a plain 6-field pattern; the year is filtered afterwards.
 */

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
  /** `?` is a synonym of `*` only in the day fields. */
  readonly allowAny?: boolean;
}

const MONTH_NAMES: Record<string, number> = {};
['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'].forEach((n, i) => {
  MONTH_NAMES[n] = i + 1;
});
[
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
].forEach((n, i) => {
  MONTH_NAMES[n] = i + 1;
});
const DAY_NAMES: Record<string, number> = {};
['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'].forEach((n, i) => {
  DAY_NAMES[n] = i + 1;
});
['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'].forEach((n, i) => {
  DAY_NAMES[n] = i + 1;
});
DAY_NAMES.TUES = 3;
DAY_NAMES.THURS = 5;

const FIELDS: readonly FieldSpec[] = [
  { label: 'seconds', min: 0, max: 59 },
  { label: 'minutes', min: 0, max: 59 },
  { label: 'hours', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31, allowAny: true },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, allowAny: true },
  { label: 'year', min: 1970, max: 2100 },
];

const SHORTHANDS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 1',
  '@daily': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const HELP =
  'Scouter schedules have 6 or 7 space-separated fields, seconds first: ' +
  '"sec min hour day-of-month month day-of-week [year]" (day-of-week 1 = Sunday … 7 = Saturday, or SUN-SAT), ' +
  'or one of @hourly, @daily, @weekly, @monthly, @yearly. ' +
  'Example: "0 0 0 * * *" (every day at 00:00 UTC) or "0 */5 * * * *" (every 5 minutes).';

class FieldError extends Error {}

function parseValue(raw: string, spec: FieldSpec): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n < spec.min || n > spec.max) {
      const hint =
        spec.label === 'day-of-week' && n === 0
          ? ' (Scouter numbers days 1 = Sunday … 7 = Saturday; use 1 or SUN)'
          : '';
      throw new FieldError(`${spec.label} value ${n} is out of range ${spec.min}-${spec.max}${hint}`);
    }
    return n;
  }
  const named = spec.names?.[raw.toUpperCase()];
  if (named !== undefined) return named;
  const allowed = spec.names
    ? `a number ${spec.min}-${spec.max} or a name`
    : `a number ${spec.min}-${spec.max}`;
  throw new FieldError(`"${raw}" is not a valid ${spec.label} value (expected ${allowed})`);
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new FieldError(`empty list element in ${spec.label} field "${text}"`);
    const slash = part.split('/');
    if (slash.length > 2) throw new FieldError(`"${part}" has more than one "/" in the ${spec.label} field`);
    const [rangeText = '', stepText] = slash;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new FieldError(`step "${stepText}" in ${spec.label} field must be a positive integer`);
      }
      step = Number(stepText);
      if (step > spec.max) {
        throw new FieldError(`step ${step} in ${spec.label} field must be between 1 and ${spec.max}`);
      }
    }
    let start: number;
    let end: number;
    if (rangeText === '*' || (rangeText === '?' && spec.allowAny === true)) {
      start = spec.min;
      end = spec.max;
    } else if (rangeText.includes('-')) {
      const bounds = rangeText.split('-');
      if (bounds.length !== 2) throw new FieldError(`"${rangeText}" is not a valid ${spec.label} range`);
      start = parseValue(bounds[0] ?? '', spec);
      end = parseValue(bounds[1] ?? '', spec);
      if (start > end) throw new FieldError(`${spec.label} range "${rangeText}" runs backwards`);
    } else {
      if (stepText !== undefined && !/^\d+$/.test(rangeText)) {
        throw new FieldError(
          `"${part}": a step needs a number, a range or * before "/" in the ${spec.label} field`,
        );
      }
      start = parseValue(rangeText, spec);
      end = stepText === undefined ? start : spec.max;
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

interface CompiledCron {
  readonly cron: Cron;
  readonly years: readonly number[] | null;
  /** Allowed values per field in Scouter numbering (day-of-week 1 = Sunday); the year list is always present. */
  readonly fields: readonly (readonly number[])[];
}

/** The cron crate's last schedulable year. */
const MAX_YEAR = 2100;

const cache = new Map<string, CompiledCron>();
const CACHE_LIMIT = 256;

function toCronerField(values: Set<number>, spec: FieldSpec, offset = 0): string {
  if (values.size === spec.max - spec.min + 1) return '*';
  return [...values]
    .sort((a, b) => a - b)
    .map((v) => v + offset)
    .join(',');
}

function compile(expr: string): CompiledCron {
  if (typeof expr !== 'string') {
    throw new InvalidCronError(
      `Invalid cron schedule: expected a string, got ${typeof expr}. ${HELP}`,
      String(expr),
    );
  }
  const cached = cache.get(expr);
  if (cached) return cached;
  const trimmed = expr.trim();
  if (Object.hasOwn(CommonCrons, trimmed)) {
    const cron = CommonCrons[trimmed as keyof typeof CommonCrons];
    throw new InvalidCronError(
      `Invalid cron schedule "${expr}": that is the name of a preset; use CommonCrons.${trimmed} (the string "${cron}"). ${HELP}`,
      expr,
    );
  }
  const source = trimmed.startsWith('@') ? SHORTHANDS[trimmed] : trimmed;
  if (source === undefined) {
    throw new InvalidCronError(
      `Invalid cron schedule "${expr}": unknown shorthand "${trimmed}". ${HELP}`,
      expr,
    );
  }
  // The cron crate lets numbers and names absorb the whitespace around them, so `0, 1` and `1 - 5` are one field.
  const normalized = source.replace(/(?<=[0-9A-Za-z])\s+(?=[,\-/])|(?<=[,\-/])\s+(?=[0-9A-Za-z])/g, '');
  const parts = normalized === '' ? [] : normalized.split(/\s+/);
  if (parts.length !== 6 && parts.length !== 7) {
    const hint =
      parts.length === 5
        ? ` It looks like a 5-field Unix cron; Scouter needs a seconds field first, e.g. "0 ${source}".`
        : '';
    throw new InvalidCronError(
      `Invalid cron schedule "${expr}": expected 6 or 7 fields, got ${parts.length}.${hint} ${HELP}`,
      expr,
    );
  }
  const sets: Set<number>[] = [];
  try {
    parts.forEach((part, i) => {
      sets.push(parseField(part, FIELDS[i] as FieldSpec));
    });
  } catch (err) {
    if (err instanceof FieldError) {
      throw new InvalidCronError(`Invalid cron schedule "${expr}": ${err.message}. ${HELP}`, expr);
    }
    throw err;
  }
  const spec = (i: number) => FIELDS[i] as FieldSpec;
  const pattern = [
    toCronerField(sets[0] as Set<number>, spec(0)),
    toCronerField(sets[1] as Set<number>, spec(1)),
    toCronerField(sets[2] as Set<number>, spec(2)),
    toCronerField(sets[3] as Set<number>, spec(3)),
    toCronerField(sets[4] as Set<number>, spec(4)),
    toCronerField(sets[5] as Set<number>, spec(5), -1),
  ].join(' ');
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone: 'UTC', legacyMode: false, paused: true });
  } catch (err) {
    throw new InvalidCronError(`Invalid cron schedule "${expr}": ${(err as Error).message}. ${HELP}`, expr, {
      cause: err,
    });
  }
  const yearSet = sets[6];
  const years =
    yearSet === undefined || yearSet.size === spec(6).max - spec(6).min + 1
      ? null
      : [...yearSet].sort((a, b) => a - b);
  const allYears = Array.from({ length: spec(6).max - spec(6).min + 1 }, (_, i) => spec(6).min + i);
  const fields = [...sets.slice(0, 6).map((set) => [...set].sort((a, b) => a - b)), years ?? allYears];
  const compiled: CompiledCron = { cron, years, fields };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expr, compiled);
  return compiled;
}

/**
 * Checks that `expr` is a valid Scouter cron schedule and returns it trimmed.
 * Throws `InvalidCronError` (ERR_INVALID_CRON) saying what is wrong and showing a valid example.
 */
export function validateCron(expr: string): string {
  compile(expr);
  return expr.trim();
}

/**
 * The first time strictly after `after` at which the Scouter schedule `expr` fires (UTC), or null if it never
 * fires again (e.g. a year list in the past, or February 30th). Throws `InvalidCronError` for an invalid schedule.
 */
export function nextCronRun(expr: string, after: Date): Date | null {
  const { cron, years } = compile(expr);
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
    throw new InvalidOptionsError(`nextCronRun needs a valid Date as "after", got ${String(after)}`);
  }
  let cursor = after;
  for (;;) {
    const next = cron.nextRun(cursor);
    if (next === null) return null;
    const year = next.getUTCFullYear();
    if (year > MAX_YEAR) return null;
    if (years === null) return next;
    if (years.includes(year)) return next;
    const nextYear = years.find((y) => y > year);
    if (nextYear === undefined) return null;
    cursor = new Date(Date.UTC(nextYear, 0, 1) - 1);
  }
}

/**
 * The allowed values of each of the 7 fields (sec, min, hour, day-of-month, month, day-of-week 1 = Sunday, year)
 * of a Scouter schedule. For tests and diagnostics; throws `InvalidCronError` like `validateCron`.
 */
export function cronFieldValues(expr: string): readonly (readonly number[])[] {
  return compile(expr).fields;
}
