import { formatTimestampMicros } from '../wire/timestamps.js';
import { InvalidOptionsError } from '../errors.js';
import type { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import type { PartSource } from './outbox.js';
import type { Counters } from './stats.js';
import { Metrics } from './metrics.js';
import type { Metric, MetricsInput } from './metrics.js';

/** What a `Queue` needs from the `ScouterQueue` that owns it (outside `insert()`'s common path: see `Queue.close`). */
export interface QueueHost {
  readonly counters: Counters;
  /** Current time in ms since the epoch. */
  now(): number;
  /** Reserves `count` consecutive microsecond timestamps never handed out before, from `nowMs` on; returns the first. */
  reserveMicros(count: number, nowMs: number): number;
  /**
   * Hands a cut batch to the outgoing buffer: `source.render(data)` is its records' JSON (`{"Custom":…},…`, no
   * envelope), at most `maxBytes` long in UTF-8; the buffer renders it when it coalesces it with other batches into
   * one `{"records":[…]}` body.
   */
  enqueue(source: PartSource, data: readonly number[], records: number, maxBytes: number): void;
  /** Logs a warning once per key. */
  warnOnce(key: string, obj: object, msg: string): void;
  /** The wire dialect of the records: v0.13 names the profile by space, name and version; v0.25 by its uid. */
  readonly protocol: ScouterProtocol;
}

/** Distinct spellings of known names remembered for lookups (e.g. `MAE` for `mae`); bounded against junk keys. */
const MAX_NAME_SPELLINGS = 256;
/**
 * Profiles with up to this many metrics find a name by comparing it with each one: property keys and the names are
 * interned strings, so that is a few pointer compares, where a keyed lookup in `#slots` is a hash probe per value
 * (bench/README.md, "Where the remaining points go"). Larger profiles, and other spellings, use `#slots`.
 */
const SCANNED_NAMES = 8;
/** `{"Custom":{"created_at":"` and `}}` around a record, and the length of its timestamp. */
const RECORD_FRAME_BYTES = '{"Custom":{"created_at":"}}'.length;
const STAMP_BYTES = '2025-11-24T16:33:58.999000Z'.length;
/** The longest text `String()` gives a finite number, e.g. `-2.2250738585072014e-308`. */
const MAX_NUMBER_BYTES = 24;

/** A v0.25 record names its profile by the uid the server assigned on registration. */
function requireUid(alias: string, profile: CustomDriftProfile): string {
  const uid = profile.config.uid;
  if (uid === null) {
    throw new InvalidOptionsError(
      `ScouterQueue alias "${alias}": protocol v0.25 records name the profile by its uid, and profile ${profile.identifier} has none; register it first (ScouterClient with protocol 'v0.25', registerProfile, then save) or download it from the server`,
    );
  }
  return uid;
}

/**
 * The per-alias handle returned by `scouterQueue.get(alias)`, like Python's `Queue`. `insert()` only accumulates a
 * running sum and count per profile metric; every `sampleSize` inserts it cuts a batch holding one record per metric
 * with the batch mean (Scouter's custom queue semantics) and hands it to the outgoing buffer as numbers, rendered as
 * JSON once, when its request body is sealed.
 */
export class Queue {
  /** The alias this queue was registered under. */
  readonly alias: string;
  /** The drift profile whose metrics this queue accepts. */
  readonly profile: CustomDriftProfile;
  /** `"{space}/{name}/v{version}/custom"`, as in Scouter. */
  readonly identifier: string;
  /** Inserts per batch, from the profile's `sampleSize`. */
  readonly sampleSize: number;

  readonly #host: QueueHost;
  /** Name (and remembered spellings) -> index into the sums; a null-prototype object, measured faster than a Map. */
  readonly #slots: Record<string, number | undefined> = Object.create(null) as Record<
    string,
    number | undefined
  >;
  #spellings = 0;
  /**
   * Running sum and count per metric, interleaved (`[sum0, count0, sum1, count1, …]`), in one array of unboxed
   * doubles: `insert()` runs once per request among a web framework's much larger working set, and what costs there is
   * every distinct object it touches (a cache miss each; two Float64Arrays were six objects with their buffers and
   * backing stores: bench/README.md, "Instructions and simulated cache misses").
   */
  readonly #acc: number[];
  /** `insert()` calls accepted, summed into `stats().inserted` (kept here rather than in the shared counters, ditto). */
  #inserted = 0;
  #closed = false;
  readonly #names: string[];
  readonly #recordTails: string[];
  /** Upper bound of a record's UTF-8 bytes per metric, with the comma before it. */
  readonly #recordBounds: number[];
  readonly #source: PartSource;
  #inserts = 0;
  #lastCutAt: number;
  #stampSecond = -1;
  #stampPrefix = '';

  /** Internal: built by `ScouterQueue`. */
  constructor(alias: string, profile: CustomDriftProfile, host: QueueHost) {
    this.alias = alias;
    this.profile = profile;
    this.identifier = profile.identifier;
    this.sampleSize = profile.config.sampleSize;
    this.#host = host;
    this.#lastCutAt = host.now();
    const { space, name, version } = profile.config;
    // Read back as property keys: interned strings, like the keys of the records inserted, compared by identity.
    this.#names = Object.keys(profile.metrics).map(
      (metric) => Object.keys({ [metric.toLowerCase()]: 0 })[0] as string,
    );
    this.#names.forEach((metric, slot) => (this.#slots[metric] = slot));
    // Created holding a fraction, so its elements are doubles from the start (zeros alone would make it an array of
    // small integers, converted on the first insert).
    this.#acc = Array.from({ length: 2 * this.#names.length }, () => 0.5).fill(0);
    const identity =
      host.protocol === 'v0.25'
        ? `,"uid":${JSON.stringify(requireUid(alias, profile))},"entity_id":0`
        : `,"space":${JSON.stringify(space)},"name":${JSON.stringify(name)},"version":${JSON.stringify(version)}`;
    this.#recordTails = this.#names.map(
      (metric) => `"${identity},"metric":${JSON.stringify(metric)},"value":`,
    );
    this.#recordBounds = this.#recordTails.map(
      (tail) => 1 + RECORD_FRAME_BYTES + STAMP_BYTES + Buffer.byteLength(tail) + MAX_NUMBER_BYTES,
    );
    this.#source = {
      asciiOnly: this.#recordTails.every((tail) => Buffer.byteLength(tail) === tail.length),
      render: (data) => this.#render(data),
    };
  }

  /** `insert()` calls accepted so far (before `close()`). */
  get inserted(): number {
    return this.#inserted;
  }

  /** @internal Called by `ScouterQueue.shutdown()`; later inserts are dropped and counted. */
  close(): void {
    this.#closed = true;
  }

  /** When this alias last cut a batch (ms since the epoch); drives the timer flush. */
  get lastCutAt(): number {
    return this.#lastCutAt;
  }

  /**
   * Records one observation of some metrics. Synchronous and O(1) per metric, no network, never throws for delivery
   * trouble: names not in the profile and values that are not finite numbers are dropped and counted
   * (`stats().dropped.unknownMetric` / `invalidValue`, one warning per name), inserts after shutdown likewise.
   */
  insert(metrics: MetricsInput): void {
    if (this.#closed) {
      this.#droppedAfterShutdown(metrics);
      return;
    }
    this.#inserted++;
    if (metrics instanceof Metrics) {
      this.#addList(metrics.metrics);
    } else if (Array.isArray(metrics)) {
      this.#addList(metrics as readonly Metric[]);
    } else if (typeof metrics === 'object' && metrics !== null) {
      const record = metrics as Readonly<Record<string, unknown>>;
      const acc = this.#acc;
      for (const name in record) {
        const value = record[name];
        const slot = this.#slot(name);
        if (slot < 0) continue;
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.#invalid(name, value);
          continue;
        }
        acc[2 * slot]! += value;
        acc[2 * slot + 1]!++;
      }
    } else {
      const host = this.#host;
      host.counters.dropped.invalidValue++;
      host.warnOnce(
        `input:${this.alias}`,
        { alias: this.alias, input: typeof metrics },
        'scouter-ts: insert() expects Metrics, Metric[] or { name: value }; input dropped',
      );
    }
    if (++this.#inserts >= this.sampleSize) this.cut();
  }

  /**
   * Turns the accumulated inserts into one batch now (used by the size trigger, the timer, flush and shutdown). The
   * batch is numbers (first timestamp, then metric slot and mean per record): `#render` formats it later.
   */
  cut(): void {
    const host = this.#host;
    const now = host.now();
    this.#lastCutAt = now;
    if (this.#inserts === 0) return;
    this.#inserts = 0;
    const acc = this.#acc;
    const data: number[] = [0];
    let maxBytes = -1;
    for (let i = 0; i < this.#names.length; i++) {
      const count = acc[2 * i + 1] as number;
      if (count === 0) continue;
      const mean = (acc[2 * i] as number) / count;
      acc[2 * i] = 0;
      acc[2 * i + 1] = 0;
      if (!Number.isFinite(mean)) {
        host.counters.dropped.invalidValue += count;
        host.warnOnce(
          `overflow:${this.#names[i]}`,
          { alias: this.alias, metric: this.#names[i] },
          'scouter-ts: batch mean overflowed to a non-finite number; values dropped',
        );
        continue;
      }
      data.push(i, mean);
      maxBytes += this.#recordBounds[i] as number;
    }
    const records = (data.length - 1) / 2;
    if (records === 0) return;
    data[0] = host.reserveMicros(records, now);
    host.enqueue(this.#source, data, records, maxBytes);
  }

  /** The JSON of a batch `cut()` laid out: `{"Custom":…}` objects, comma-separated, timestamps consecutive. */
  #render(data: readonly number[]): string {
    let micros = data[0] as number;
    let json = '';
    for (let i = 1; i < data.length; i += 2) {
      json += `${i === 1 ? '' : ','}{"Custom":{"created_at":"${this.#stamp(micros++)}${this.#recordTails[data[i] as number]}${String(data[i + 1])}}}`;
    }
    return json;
  }

  /** `formatTimestampMicros`, with the part up to the second cached: formatting dominated the cost of a cut. */
  #stamp(micros: number): string {
    const second = Math.floor(micros / 1_000_000);
    if (second !== this.#stampSecond) {
      this.#stampSecond = second;
      this.#stampPrefix = formatTimestampMicros(second * 1_000_000).slice(0, -7);
    }
    return `${this.#stampPrefix}${String(1_000_000 + (micros - second * 1_000_000)).slice(1)}Z`;
  }

  #addList(list: readonly Metric[]): void {
    for (let i = 0; i < list.length; i++) {
      const metric = list[i] as Metric | null | undefined;
      if (typeof metric === 'object' && metric !== null) this.#add(metric.name, metric.value);
      else this.#invalid('(not a Metric)', metric);
    }
  }

  #add(name: string, value: unknown): void {
    const slot = this.#slot(name);
    if (slot < 0) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.#invalid(name, value);
      return;
    }
    this.#acc[2 * slot]! += value;
    this.#acc[2 * slot + 1]!++;
  }

  /** The index of metric `name` (any spelling), or -1 after counting and warning about an unknown name. */
  #slot(name: string): number {
    const names = this.#names;
    if (names.length <= SCANNED_NAMES) {
      for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
    }
    return this.#slots[name] ?? this.#resolve(name);
  }

  #resolve(name: string): number {
    const slot = typeof name === 'string' ? this.#slots[name.toLowerCase()] : undefined;
    if (slot !== undefined) {
      if (this.#spellings < MAX_NAME_SPELLINGS) {
        this.#spellings++;
        this.#slots[name] = slot;
      }
      return slot;
    }
    const host = this.#host;
    host.counters.dropped.unknownMetric++;
    host.warnOnce(
      `unknown:${this.alias}:${String(name)}`,
      { alias: this.alias, metric: name, known: this.#names },
      `scouter-ts: metric "${String(name)}" is not in the profile of "${this.alias}"; its values are dropped`,
    );
    return -1;
  }

  #invalid(name: string, value: unknown): void {
    const host = this.#host;
    host.counters.dropped.invalidValue++;
    host.warnOnce(
      `invalid:${this.alias}:${name}`,
      { alias: this.alias, metric: name, value: typeof value === 'number' ? String(value) : typeof value },
      `scouter-ts: metric "${name}" got a value that is not a finite number; such values are dropped`,
    );
  }

  #droppedAfterShutdown(metrics: MetricsInput): void {
    let values = 0;
    if (metrics instanceof Metrics) values = metrics.metrics.length;
    else if (Array.isArray(metrics)) values = metrics.length;
    else if (typeof metrics === 'object' && metrics !== null) values = Object.keys(metrics).length;
    const host = this.#host;
    host.counters.dropped.afterShutdown += values;
    host.warnOnce(
      'afterShutdown',
      { alias: this.alias },
      'scouter-ts: insert() after shutdown(); values dropped',
    );
  }
}
