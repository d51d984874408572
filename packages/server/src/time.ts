/** Microsecond timestamps (the precision Scouter's Postgres keeps) and chrono's AutoSi output format. */
import { tryParseTimestampMicros } from '@scouter-ts/core';

/** `next_run` of a schedule that never fires again. */
export const NEVER = new Date('9999-12-31T23:59:59Z');

/** Microseconds since the Unix epoch of a `Date`. */
export function toMicros(date: Date): number {
  return date.getTime() * 1000;
}

/** The `Date` (millisecond precision) of a microsecond timestamp. */
export function fromMicros(micros: number): Date {
  return new Date(Math.floor(micros / 1000));
}

/** Largest timestamp both backends store exactly: microseconds stay a safe integer (years 1685 to 2255). */
export function isStorableMicros(micros: number | null): micros is number {
  return micros !== null && Number.isSafeInteger(micros);
}

/** Largest value of Scouter's `i32` query fields and Postgres `integer` ids. */
export const MAX_I32 = 2_147_483_647;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Formats microseconds the way chrono serialises `DateTime<Utc>` ("AutoSi"): RFC 3339 with `Z` and the shortest of
 * 0, 3 or 6 fractional digits that is exact (`…58Z`, `…58.123Z`, `…58.123456Z`).
 */
export function formatAutoSi(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const frac = micros - whole * 1_000_000;
  const d = new Date(whole * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (frac === 0) return `${base}Z`;
  if (frac % 1000 === 0) return `${base}.${pad(frac / 1000, 3)}Z`;
  return `${base}.${pad(frac, 6)}Z`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digits of `text` from `start` to `end` (exclusive) as a number, or -1 if one is not an ASCII digit. */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const SCALE = [1, 100_000, 10_000, 1000, 100, 10, 1];

/**
 * `tryParseTimestampMicros` of `@scouter-ts/core` (same results for every input), with a fast path for the forms
 * clients send, `YYYY-MM-DDTHH:MM:SSZ` with an optional fraction of any length (`.ffffffZ` from scouter-ts,
 * nanoseconds from Scouter's Python client), year 100 or later; everything else goes to the general parser.
 */
export function parseTimestampMicrosFast(text: string): number | null {
  const end = typeof text === 'string' ? text.length - 1 : -1;
  if (
    end < 19 ||
    end === 20 ||
    text.charCodeAt(end) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    (end > 19 && text.charCodeAt(19) !== 46) /* . */
  ) {
    return tryParseTimestampMicros(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  // Microseconds: the first six fraction digits; the rest must be digits and are truncated, like the core parser.
  const fracEnd = Math.min(end, 26);
  const fracDigits = end > 19 ? digits(text, 20, fracEnd) : 0;
  const rest = end > 26 ? digits(text, 26, Math.min(end, 41)) : 0;
  if (
    year < 100 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    fracDigits < 0 ||
    rest < 0 ||
    end > 41
  ) {
    return tryParseTimestampMicros(text);
  }
  const frac = end > 19 ? fracDigits * SCALE[fracEnd - 20]! : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysInMonth) return null;
  // Days since 1970-01-01 of a proleptic Gregorian date (year >= 100, so no negative eras).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  const ms = days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000;
  return ms * 1000 + frac;
}
