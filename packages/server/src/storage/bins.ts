import type { BinnedRow, CustomRecordRow } from './types.js';

/** Bin widths are whole microseconds (Postgres intervals have µs resolution); at least 1 µs. */
export function binWidthToMicros(binWidthMicros: number): number {
  if (!Number.isFinite(binWidthMicros) || binWidthMicros <= 0) {
    throw new RangeError(`binWidthMicros must be a positive finite number, got ${binWidthMicros}`);
  }
  return Math.max(1, Math.round(binWidthMicros));
}

/**
 * Bucket widths of the record rollup (`custom_drift_rollup.level`), finest first: 6^k seconds (1 s to 21.6 min).
 * Every stored record is counted once per level, in the bucket `floor(created_at / level) * level`. Powers of 6
 * because Scouter's bin widths are window / max_data_points with windows of 5 min to 5 days: mostly products of
 * 2 and 3 seconds (FiveDays / 1000 = 432 s = 2 × 216 s), so bins start on bucket edges and need no finer rows.
 */
export const ROLLUP_LEVELS: readonly number[] = [1e6, 6e6, 36e6, 216e6, 1296e6];
/** Bins narrower than the finest bucket are computed from the records themselves. */
export const MIN_ROLLUP_BIN = ROLLUP_LEVELS[0]!;
/** Windows with fewer records than this many per bin are cheaper to read directly than through the rollup. */
export const MIN_RECORDS_PER_BIN = 20;
/** Above this many bins the plan would be larger than a scan; the records are read directly. */
export const MAX_ROLLUP_BINS = 20_000;

/** `floor(micros / width) * width`, also for negative times. */
export function floorTo(micros: number, width: number): number {
  return micros - (((micros % width) + width) % width);
}

/** One piece of the plan: `level` 0 = the records with `lo <= created_at < hi`, else rollup buckets starting there. */
export interface RollupSegment {
  level: number;
  lo: number;
  hi: number;
  bin: number;
}

/**
 * Splits each bin `[b, b + width)` of the half-open window `[from, to)` into the coarsest rollup buckets lying
 * entirely inside it, finer buckets towards its edges, and records only for the sub-second rests, so the sums over
 * the segments are exactly the sums over the records of each bin.
 */
export function planRollup(from: number, to: number, width: number): RollupSegment[] {
  const out: RollupSegment[] = [];
  for (let bin = floorTo(from, width); bin < to; bin += width) {
    coverRange(out, Math.max(bin, from), Math.min(bin + width, to), bin, ROLLUP_LEVELS.length - 1);
  }
  return out;
}

/** The plan of one range `[from, to)` summed as a single bin (labelled 0). */
export function planWindow(from: number, to: number): RollupSegment[] {
  const out: RollupSegment[] = [];
  coverRange(out, from, to, 0, ROLLUP_LEVELS.length - 1);
  return out;
}

function coverRange(out: RollupSegment[], lo: number, hi: number, bin: number, index: number): void {
  if (lo >= hi) return;
  if (index < 0) {
    out.push({ level: 0, lo, hi, bin });
    return;
  }
  const level = ROLLUP_LEVELS[index]!;
  const a = floorTo(lo, level) === lo ? lo : floorTo(lo, level) + level;
  const z = floorTo(hi, level);
  if (a < z) {
    out.push({ level, lo: a, hi: z, bin });
    coverRange(out, lo, a, bin, index - 1);
    coverRange(out, z, hi, bin, index - 1);
  } else {
    coverRange(out, lo, hi, bin, index - 1);
  }
}

/** Count, sum and sum of squares of one (bin, metric). */
export interface Sums {
  n: number;
  s: number;
  ss: number;
}

/** Adds `[bin, metric, n, s, ss]` rows into `acc` (keyed by bin, then metric). */
export function addSums(
  acc: Map<number, Map<string, Sums>>,
  rows: Iterable<readonly [number | string, string, number | string, number, number]>,
): void {
  for (const [binRaw, metric, nRaw, s, ss] of rows) {
    const bin = Number(binRaw);
    const n = Number(nRaw);
    if (n === 0) continue;
    let byMetric = acc.get(bin);
    if (!byMetric) acc.set(bin, (byMetric = new Map<string, Sums>()));
    const cur = byMetric.get(metric);
    if (cur) {
      cur.n += n;
      cur.s += s;
      cur.ss += ss;
    } else {
      byMetric.set(metric, { n, s, ss });
    }
  }
}

/** Sample standard deviation from count, sum and sum of squares; rounding can make the variance slightly negative. */
export function toBinnedRow(bin: number, metric: string, n: number, s: number, ss: number): BinnedRow {
  const avg = s / n;
  let stddev: number | null = null;
  if (n > 1) {
    const variance = (ss - s * avg) / (n - 1);
    stddev = variance > 0 ? Math.sqrt(variance) : 0;
  }
  return { binStartMicros: bin, metric, avg, stddev };
}

/** Newest bin first, then metric in code-unit order. */
export function compareBinnedRows(a: BinnedRow, b: BinnedRow): number {
  return b.binStartMicros - a.binStartMicros || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0);
}

/** The binned rows of accumulated sums, newest bin first. */
export function toBinnedRows(acc: Map<number, Map<string, Sums>>): BinnedRow[] {
  const out: BinnedRow[] = [];
  for (const [bin, byMetric] of acc) {
    for (const [metric, { n, s, ss }] of byMetric) out.push(toBinnedRow(bin, metric, n, s, ss));
  }
  return out.sort(compareBinnedRows);
}

/** Per-level bucket sums of freshly inserted records: what the rollup must add. */
export interface RollupDelta {
  space: string;
  name: string;
  version: string;
  metric: string;
  level: number;
  bucket: number;
  n: number;
  s: number;
  ss: number;
}

/** Groups inserted records into rollup deltas, one per (profile, metric, level, bucket). */
export function rollupDeltas(rows: Iterable<CustomRecordRow>): RollupDelta[] {
  const finest = ROLLUP_LEVELS[0]!;
  const seconds = new Map<string, RollupDelta>();
  for (const { space, name, version, metric, createdAtMicros, value } of rows) {
    const bucket = floorTo(createdAtMicros, finest);
    const k = `${bucket}\u0000${metric}\u0000${version}\u0000${name}\u0000${space}`;
    const cur = seconds.get(k);
    if (cur) {
      cur.n += 1;
      cur.s += value;
      cur.ss += value * value;
    } else {
      seconds.set(k, {
        space,
        name,
        version,
        metric,
        level: finest,
        bucket,
        n: 1,
        s: value,
        ss: value * value,
      });
    }
  }
  const out = [...seconds.values()];
  for (const level of ROLLUP_LEVELS.slice(1)) {
    const coarse = new Map<string, RollupDelta>();
    for (const d of seconds.values()) {
      const bucket = floorTo(d.bucket, level);
      const k = `${bucket}\u0000${d.metric}\u0000${d.version}\u0000${d.name}\u0000${d.space}`;
      const cur = coarse.get(k);
      if (cur) {
        cur.n += d.n;
        cur.s += d.s;
        cur.ss += d.ss;
      } else {
        coarse.set(k, { ...d, level, bucket });
      }
    }
    out.push(...coarse.values());
  }
  return out;
}
