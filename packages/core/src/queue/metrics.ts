import { InvalidMetricError } from '../errors.js';

/**
 * One observed value of a custom metric, as in Python's `scouter.queue.Metric`. The name is lower-cased (like
 * Scouter's). The value is kept as given: a value that is not a finite number is dropped and counted by `insert()`
 * rather than thrown here, so a bad computation never breaks the request that produced it.
 */
export class Metric {
  /** Lower-cased metric name; must match a metric of the profile to be sent. */
  readonly name: string;
  /** Observed value; only finite numbers are sent. */
  readonly value: number;

  /** Throws `InvalidMetricError` when `name` is not a non-empty string (a programming error, not data). */
  constructor(name: string, value: number) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidMetricError(`Metric name must be a non-empty string, got ${JSON.stringify(name)}.`);
    }
    this.name = name.toLowerCase();
    this.value = value;
  }

  /** `Metric(name=mae, value=0.12)`, like Python's `__str__`. */
  toString(): string {
    return `Metric(name=${this.name}, value=${String(this.value)})`;
  }
}

/** A group of metric values inserted together, as in Python's `scouter.queue.Metrics`. */
export class Metrics {
  /** The values, names lower-cased. */
  readonly metrics: readonly Metric[];

  /** From a list of `Metric` or a plain `{ name: value }` object (one `Metric` per key). */
  constructor(metrics: readonly Metric[] | Readonly<Record<string, number>>) {
    if (Array.isArray(metrics)) {
      for (const metric of metrics) {
        if (!(metric instanceof Metric)) {
          throw new InvalidMetricError(
            'Metrics([...]) accepts only Metric instances; use Metrics({ name: value }).',
          );
        }
      }
      this.metrics = metrics as readonly Metric[];
    } else if (typeof metrics === 'object' && metrics !== null) {
      const record = metrics as Readonly<Record<string, number>>;
      this.metrics = Object.keys(record).map((name) => new Metric(name, record[name] as number));
    } else {
      throw new InvalidMetricError('Metrics accepts a list of Metric or a { name: value } object.');
    }
  }

  /** `Metrics([Metric(...), ...])`. */
  toString(): string {
    return `Metrics([${this.metrics.map(String).join(', ')}])`;
  }
}

/** What `insert()` accepts: `Metrics`, a list of `Metric`, or a plain `{ name: value }` object. */
export type MetricsInput = Metrics | readonly Metric[] | Readonly<Record<string, number>>;
