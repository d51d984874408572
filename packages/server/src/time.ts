/** Microsecond timestamps (the precision Scouter's Postgres keeps) and chrono's AutoSi output format. */

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
