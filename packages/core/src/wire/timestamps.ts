import { InvalidOptionsError } from '../errors.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * RFC 3339 UTC timestamp with exactly 6 fractional digits, e.g. `2025-11-24T16:33:58.123456Z`.
 * Pass epoch microseconds (a number), or a `Date` plus `extraMicros` (0–999 µs below the Date's millisecond).
 */
export function formatTimestampMicros(value: number | Date, extraMicros = 0): string {
  const micros = typeof value === 'number' ? value : value.getTime() * 1000 + extraMicros;
  if (!Number.isFinite(micros))
    throw new InvalidOptionsError(`Cannot format timestamp: ${String(micros)} is not finite`);
  const whole = Math.floor(micros);
  const ms = Math.floor(whole / 1000);
  const sub = whole - ms * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime()))
    throw new InvalidOptionsError(`Cannot format timestamp: ${micros} µs is out of range`);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}` +
    `.${pad(d.getUTCMilliseconds(), 3)}${pad(sub, 3)}Z`
  );
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses chrono's relaxed RFC 3339 (`T`, `t` or space separator, any number of fractional digits,
 * a required offset `Z`, `+00:00` or `+0000`) into epoch microseconds; digits below 1 µs are truncated.
 * Returns null when the text is not such a timestamp.
 */
export function tryParseTimestampMicros(text: string): number | null {
  if (typeof text !== 'string') return null;
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zulu, sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return null;
  const offsetMinutes = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Number(oh) > 23 || Number(om) > 59) return null;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  const fracMicros = Number(frac.slice(0, 6).padEnd(6, '0'));
  return (base - offsetMinutes * 60_000) * 1000 + fracMicros;
}

/** Like `tryParseTimestampMicros`, but throws `InvalidOptionsError` for invalid text. */
export function parseTimestampMicros(text: string): number {
  const micros = tryParseTimestampMicros(text);
  if (micros === null) {
    throw new InvalidOptionsError(
      `Invalid timestamp ${JSON.stringify(text)}: expected RFC 3339 with an offset, e.g. "2025-11-24T16:33:58.123456Z"`,
    );
  }
  return micros;
}
