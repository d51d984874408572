import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cronFieldValues } from './cron.js';
import {
  CommonCrons,
  CustomMetricAlertConfig,
  InvalidCronError,
  nextCronRun,
  validateCron,
} from '../index.js';

const at = (iso: string) => new Date(iso);
const runs = (expr: string, from: string, n: number) => {
  const out: string[] = [];
  let cursor = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextCronRun(expr, cursor);
    if (next === null) break;
    out.push(next.toISOString());
    cursor = next;
  }
  return out;
};

// 2025-01-01 is a Wednesday.
const START = '2025-01-01T00:00:00.000Z';

describe('CommonCrons', () => {
  it("has exactly Scouter's cron strings", () => {
    expect(CommonCrons).toEqual({
      Every1Minute: '0 * * * * * *',
      Every5Minutes: '0 0,5,10,15,20,25,30,35,40,45,50,55 * * * * *',
      Every15Minutes: '0 0,15,30,45 * * * * *',
      Every30Minutes: '0 0,30 * * * * *',
      EveryHour: '0 0 * * * *',
      Every6Hours: '0 0 */6 * * *',
      Every12Hours: '0 0 */12 * * *',
      EveryDay: '0 0 0 * * *',
      EveryWeek: '0 0 0 * * SUN',
    });
  });

  it.each([
    ['Every1Minute', ['2025-01-01T00:01:00.000Z', '2025-01-01T00:02:00.000Z', '2025-01-01T00:03:00.000Z']],
    ['Every5Minutes', ['2025-01-01T00:05:00.000Z', '2025-01-01T00:10:00.000Z', '2025-01-01T00:15:00.000Z']],
    ['Every15Minutes', ['2025-01-01T00:15:00.000Z', '2025-01-01T00:30:00.000Z', '2025-01-01T00:45:00.000Z']],
    ['Every30Minutes', ['2025-01-01T00:30:00.000Z', '2025-01-01T01:00:00.000Z', '2025-01-01T01:30:00.000Z']],
    ['EveryHour', ['2025-01-01T01:00:00.000Z', '2025-01-01T02:00:00.000Z', '2025-01-01T03:00:00.000Z']],
    ['Every6Hours', ['2025-01-01T06:00:00.000Z', '2025-01-01T12:00:00.000Z', '2025-01-01T18:00:00.000Z']],
    ['Every12Hours', ['2025-01-01T12:00:00.000Z', '2025-01-02T00:00:00.000Z', '2025-01-02T12:00:00.000Z']],
    ['EveryDay', ['2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z', '2025-01-04T00:00:00.000Z']],
    ['EveryWeek', ['2025-01-05T00:00:00.000Z', '2025-01-12T00:00:00.000Z', '2025-01-19T00:00:00.000Z']],
  ] as const)('%s is valid and fires at the expected UTC times', (member, expected) => {
    const expr = CommonCrons[member];
    expect(validateCron(expr)).toBe(expr);
    expect(runs(expr, START, 3)).toEqual(expected);
    expect(new CustomMetricAlertConfig({ schedule: expr }).schedule).toBe(expr);
  });
});

describe('nextCronRun (Scouter dialect, UTC)', () => {
  it('is strictly after the given time', () => {
    expect(nextCronRun('0 0 0 * * *', at('2025-01-02T00:00:00.000Z'))?.toISOString()).toBe(
      '2025-01-03T00:00:00.000Z',
    );
    expect(nextCronRun('0 0 0 * * *', at('2025-01-01T23:59:59.999Z'))?.toISOString()).toBe(
      '2025-01-02T00:00:00.000Z',
    );
    expect(nextCronRun('* * * * * *', at('2025-01-01T00:00:00.400Z'))?.toISOString()).toBe(
      '2025-01-01T00:00:01.000Z',
    );
  });

  it('reads */5 in the first field as every 5 seconds', () => {
    expect(runs('*/5 * * * * *', START, 3)).toEqual([
      '2025-01-01T00:00:05.000Z',
      '2025-01-01T00:00:10.000Z',
      '2025-01-01T00:00:15.000Z',
    ]);
  });

  it('numbers days of the week 1 = Sunday … 7 = Saturday', () => {
    expect(nextCronRun('0 0 0 * * 1', at(START))?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
    expect(nextCronRun('0 0 0 * * 2', at(START))?.toISOString()).toBe('2025-01-06T00:00:00.000Z');
    expect(nextCronRun('0 0 0 * * 4', at(START))?.toISOString()).toBe('2025-01-08T00:00:00.000Z');
    expect(nextCronRun('0 0 0 * * 7', at(START))?.toISOString()).toBe('2025-01-04T00:00:00.000Z');
  });

  it('accepts day and month names in any case, and name ranges', () => {
    for (const expr of ['0 0 0 * * SUN', '0 0 0 * * sun', '0 0 0 * * Sun', '0 0 0 * * SUNDAY']) {
      expect(nextCronRun(expr, at(START))?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
    }
    const friday = '2025-01-03T00:00:00.000Z';
    expect(nextCronRun('0 0 0 * * MON-FRI', at(friday))?.toISOString()).toBe('2025-01-06T00:00:00.000Z');
    expect(runs('0 0 0 * * mon-fri', friday, 3)).toEqual(runs('0 0 0 * * 2-6', friday, 3));
    expect(nextCronRun('0 0 0 1 jul,Dec *', at(START))?.toISOString()).toBe('2025-07-01T00:00:00.000Z');
  });

  it('requires both day-of-month and day-of-week to match when both are restricted', () => {
    expect(nextCronRun('0 0 0 1 * 2', at(START))?.toISOString()).toBe('2025-09-01T00:00:00.000Z');
  });

  it('supports lists, ranges and steps', () => {
    expect(runs('0 10/20 * * * *', START, 3)).toEqual([
      '2025-01-01T00:10:00.000Z',
      '2025-01-01T00:30:00.000Z',
      '2025-01-01T00:50:00.000Z',
    ]);
    expect(runs('0 0 9-17/4 * * *', START, 3)).toEqual([
      '2025-01-01T09:00:00.000Z',
      '2025-01-01T13:00:00.000Z',
      '2025-01-01T17:00:00.000Z',
    ]);
    expect(nextCronRun('0 0 0 ? * *', at(START))?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(nextCronRun('0 0 0 * * ?', at(START))?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(runs('0 0 0 * * SUN-SAT/3', START, 3)).toEqual([
      '2025-01-04T00:00:00.000Z',
      '2025-01-05T00:00:00.000Z',
      '2025-01-08T00:00:00.000Z',
    ]);
    expect(nextCronRun('0 0 0 * * Tues', at(START))?.toISOString()).toBe('2025-01-07T00:00:00.000Z');
  });

  it('honours the optional 7th (year) field', () => {
    expect(nextCronRun('0 0 0 1 1 * 2027', at(START))?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(runs('0 0 12 31 12 * 2025,2027', START, 3)).toEqual([
      '2025-12-31T12:00:00.000Z',
      '2027-12-31T12:00:00.000Z',
    ]);
    expect(nextCronRun('0 0 0 * * * 2020', at(START))).toBeNull();
    expect(nextCronRun('0 0 12 * * * 2025-2026', at('2026-12-31T12:00:00.000Z'))).toBeNull();
    expect(nextCronRun('0 0 0 * * * *', at(START))?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });

  it('supports the @ shorthands', () => {
    expect(nextCronRun('@hourly', at(START))?.toISOString()).toBe('2025-01-01T01:00:00.000Z');
    expect(nextCronRun('@daily', at(START))?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(nextCronRun('@weekly', at(START))?.toISOString()).toBe('2025-01-05T00:00:00.000Z');
    expect(nextCronRun('@monthly', at(START))?.toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect(nextCronRun('@yearly', at(START))?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('returns null quickly for a schedule that never fires', () => {
    const t0 = Date.now();
    expect(nextCronRun('0 0 0 30 2 *', at(START))).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('throws InvalidCronError for an invalid schedule', () => {
    expect(() => nextCronRun('0 0 * * *', at(START))).toThrow(InvalidCronError);
  });
});

describe('validateCron', () => {
  it('trims and returns valid expressions', () => {
    expect(validateCron('  0 0 0 * * *  ')).toBe('0 0 0 * * *');
    expect(validateCron('0  0\t0 * * *')).toBe('0  0\t0 * * *');
  });

  it.each([
    ['', /expected 6 or 7 fields, got 0/],
    ['   ', /expected 6 or 7 fields, got 0/],
    ['0 0 * * *', /5-field Unix cron.*"0 0 0 \* \* \*"/],
    ['0 0 0 * * * * *', /got 8/],
    ['60 * * * * *', /seconds value 60 is out of range 0-59/],
    ['0 60 * * * *', /minutes value 60/],
    ['0 0 24 * * *', /hours value 24/],
    ['0 0 0 0 * *', /day-of-month value 0/],
    ['0 0 0 32 * *', /day-of-month value 32/],
    ['0 0 0 * 13 *', /month value 13/],
    ['0 0 0 * * 0', /1 = Sunday/],
    ['0 0 0 * * 8', /day-of-week value 8/],
    ['*/0 * * * * *', /step "0"/],
    ['5-1 * * * * *', /runs backwards/],
    ['a * * * * *', /"a" is not a valid seconds value/],
    ['0 0 0 * FOO *', /"FOO" is not a valid month value/],
    ['0 0 0 * * MON-', /not a valid day-of-week value/],
    ['1,,2 * * * * *', /empty list element/],
    ['0 0 0 L * *', /"L" is not a valid day-of-month value/],
    ['0 0 0 * * 1#2', /not a valid day-of-week value/],
    ['0 0 0 * * * 1969', /year value 1969/],
    ['0 0 0 * * * 2101', /year value 2101/],
    ['@Daily', /unknown shorthand/],
    ['@every 5m', /unknown shorthand/],
    ['0 0 0 * * SUN/2/3', /more than one "\/"/],
    ['? * * * * *', /"\?" is not a valid seconds value/],
    ['*/60 * * * * *', /step 60 in seconds field must be between 1 and 59/],
    ['0 0 0 * * MON/2', /a step needs a number, a range or \*/],
  ])('rejects %j with a message saying what is wrong and a valid example', (expr, why) => {
    let caught: unknown;
    try {
      validateCron(expr);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidCronError);
    const err = caught as InvalidCronError;
    expect(err.code).toBe('ERR_INVALID_CRON');
    expect(err.expression).toBe(expr);
    expect(err.message).toMatch(why);
    expect(err.message).toContain('Example: "0 0 0 * * *"');
  });

  it('rejects non-strings', () => {
    expect(() => validateCron(5 as unknown as string)).toThrow(InvalidCronError);
    expect(() => validateCron(undefined as unknown as string)).toThrow(InvalidCronError);
  });
});

describe('cron edge cases', () => {
  it('points at CommonCrons when given a preset name', () => {
    expect(() => validateCron('EveryDay')).toThrow(
      /use CommonCrons\.EveryDay \(the string "0 0 0 \* \* \*"\)/,
    );
  });

  it('stops at 2100 like the cron crate', () => {
    expect(nextCronRun('0 0 0 1 1 *', at('2100-01-01T00:00:00Z'))).toBeNull();
    expect(nextCronRun('0 0 0 1 1 *', at('2099-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2100-01-01T00:00:00.000Z',
    );
  });

  it('rejects an invalid "after" date', () => {
    expect(() => nextCronRun('0 0 0 * * *', new Date(NaN))).toThrow(/valid Date/);
    expect(() => nextCronRun('0 0 0 * * *', '2025-01-01' as unknown as Date)).toThrow(/valid Date/);
  });
});

describe('validateCron agrees with Scouter on every recorded expression', () => {
  const recorded = JSON.parse(
    readFileSync(new URL('../../test-fixtures/cron-acceptance.json', import.meta.url), 'utf8'),
  ) as { accepted: Record<string, boolean> };
  const entries = Object.entries(recorded.accepted);

  it('covers both accepted and rejected expressions', () => {
    expect(entries.filter(([, ok]) => ok).length).toBeGreaterThan(100);
    expect(entries.filter(([, ok]) => !ok).length).toBeGreaterThan(500);
  });

  it('accepts exactly what the Python client (cron crate) accepts', () => {
    const mismatches = entries.filter(([expr, ok]) => {
      try {
        validateCron(expr);
        return !ok;
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidCronError);
        return ok;
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('computes a next run for every accepted expression without throwing', () => {
    for (const [expr, ok] of entries) {
      if (!ok) continue;
      const next = nextCronRun(expr, at(START));
      if (next !== null) expect(next.getTime()).toBeGreaterThan(at(START).getTime());
    }
  });

  it('lets numbers and names absorb surrounding whitespace, as the cron crate does', () => {
    expect(runs('0, 30 * * * * *', START, 2)).toEqual([
      '2025-01-01T00:00:30.000Z',
      '2025-01-01T00:01:00.000Z',
    ]);
    expect(nextCronRun('0 0 0 * * MON - FRI', at('2025-01-03T00:00:00Z'))?.toISOString()).toBe(
      '2025-01-06T00:00:00.000Z',
    );
    expect(() => validateCron('* ,1 * * * * *')).toThrow(InvalidCronError);
  });
});

describe('nextCronRun agrees with a brute-force reading of the same fields', () => {
  const DAY = 86_400_000;
  /** Day by day, then hour/minute/second: slow but independent of croner. */
  function bruteForceNext(expr: string, after: Date): Date | null {
    const [secs, mins, hours, doms, months, dows, years] = cronFieldValues(expr) as number[][];
    const first = Math.floor(after.getTime() / 1000) * 1000 + 1000;
    const firstDay = Math.floor(first / DAY) * DAY;
    for (let day = firstDay; ; day += DAY) {
      const d = new Date(day);
      if (d.getUTCFullYear() > 2100) return null;
      if (
        !years!.includes(d.getUTCFullYear()) ||
        !months!.includes(d.getUTCMonth() + 1) ||
        !doms!.includes(d.getUTCDate()) ||
        !dows!.includes(d.getUTCDay() + 1)
      ) {
        continue;
      }
      for (const h of hours!) {
        for (const m of mins!) {
          for (const s of secs!) {
            const t = day + h * 3_600_000 + m * 60_000 + s * 1000;
            if (t >= first) return new Date(t);
          }
        }
      }
    }
    return null;
  }

  it('parses fields in Scouter numbering', () => {
    expect(cronFieldValues('0 0 0 * * SUN')[5]).toEqual([1]);
    expect(cronFieldValues('0 0 0 * * MON-FRI')[5]).toEqual([2, 3, 4, 5, 6]);
    expect(cronFieldValues('*/20 0 0 * * *')[0]).toEqual([0, 20, 40]);
    expect(cronFieldValues('0 0 0 * * * 2030,2027')[6]).toEqual([2027, 2030]);
    expect(cronFieldValues('0 0 0 * * *')[6]).toHaveLength(131);
  });

  it('for every accepted recorded expression and a set of start times', () => {
    const recorded = JSON.parse(
      readFileSync(new URL('../../test-fixtures/cron-acceptance.json', import.meta.url), 'utf8'),
    ) as { accepted: Record<string, boolean> };
    const exprs = [
      ...Object.entries(recorded.accepted)
        .filter(([, ok]) => ok)
        .map(([e]) => e),
      ...Object.values(CommonCrons),
      '0 0 0 29 2 2',
      '0 0 0 31 * 1-2',
      '30 59 23 31 12 * 2025,2099',
    ];
    const starts = [
      '2025-01-01T00:00:00.000Z',
      '2025-02-28T23:59:59.999Z',
      '2025-06-15T12:34:56.789Z',
      '2027-12-31T23:59:30.000Z',
      '2028-02-29T00:00:00.000Z',
    ].map((s) => new Date(s));
    let compared = 0;
    for (const expr of exprs) {
      for (const start of starts) {
        expect(nextCronRun(expr, start)?.toISOString() ?? null, `${expr} after ${start.toISOString()}`).toBe(
          bruteForceNext(expr, start)?.toISOString() ?? null,
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
