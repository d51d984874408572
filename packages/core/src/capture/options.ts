import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import { scouterQueueOptionsSchema } from '../queue/options.js';
import { ScouterQueue } from '../queue/scouter-queue.js';

/** What `transport` accepts: a transport config (`HttpConfig`, `MockConfig`) or a ready `Transport`. */
export type AdapterTransport = Parameters<typeof ScouterQueue.fromProfiles>[1];

const isFunction = (value: unknown): boolean => typeof value === 'function';
const positiveMs = z.number().int('must be a whole number of milliseconds').positive('must be > 0');

/** Signals `handleSignals` may name. */
const shutdownSignal = z.enum(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']);

/** Option names that only configure a queue the adapter creates (not allowed together with `queue`). */
const QUEUE_ONLY_KEYS = [
  'profiles',
  'transport',
  ...Object.keys(scouterQueueOptionsSchema.shape).filter((key) => key !== 'logger' && key !== 'onError'),
];

/**
 * Schema of the Express and Fastify adapter options: the `ScouterQueue` options plus the fields below.
 * Give either `profiles` (and optionally `transport` and queue options) or an existing `queue`.
 */
export const scouterAdapterOptionsSchema = scouterQueueOptionsSchema
  .extend({
    /** Alias -> profile file path (saved by `profile.save()`) or `CustomDriftProfile`. Required unless `queue` is given. */
    profiles: z
      .record(
        z.string().min(1, 'aliases must be non-empty strings'),
        z.union([z.string().min(1, 'a profile path must not be empty'), z.instanceof(CustomDriftProfile)], {
          message: 'expected a profile file path or a CustomDriftProfile',
        }),
      )
      .refine(
        (profiles) => Object.keys(profiles).length > 0,
        'needs at least one alias, e.g. { model: "profile.json" }',
      )
      .optional(),
    /** Where records go: `HttpConfig`, `MockConfig` or a `Transport`. Default `new HttpConfig()` (environment). */
    transport: z
      .custom<AdapterTransport>((value) => typeof value === 'object' && value !== null, {
        message: 'expected new HttpConfig(...), new MockConfig() or a Transport',
      })
      .optional(),
    /** An existing queue to use instead of creating one (it is flushed, not shut down, on close). Default none. */
    queue: z.instanceof(ScouterQueue, { message: 'expected a ScouterQueue' }).optional(),
    /** Alias used by `insert(metrics)` / `record(metrics)` without an alias. Default: the only alias, if there is one. */
    defaultAlias: z.string().min(1, 'must be a non-empty alias').optional(),
    /** `(req) => boolean`; requests it rejects are not monitored (no automatic metrics, inserts dropped). Default all. */
    shouldRecord: z
      .custom<(req: never) => boolean>(isFunction, { message: 'expected a function (req) => boolean' })
      .optional(),
    /**
     * Make `record()` work anywhere in a request's call tree (AsyncLocalStorage). Default false: on Node 20 and 22
     * the first AsyncLocalStorage in a process turns on async hooks for every promise and callback, 3 to 18 µs
     * per request in the paired Fastify bench (bare: 55-60 µs); `req.scouter.insert()` needs none of it.
     */
    asyncContext: z.boolean().default(false),
    /** Flush on these signals, then let the process end as it would have (`true` = SIGTERM and SIGINT). Default false. */
    handleSignals: z
      .union([z.boolean(), z.array(shutdownSignal).min(1, 'name at least one signal')], {
        message: 'expected true, false or a list such as ["SIGTERM"]',
      })
      .default(false),
    /** Deadline of the final flush on `close()` and on a handled signal. Default 10000. */
    shutdownTimeoutMs: positiveMs.default(10_000),
    /** Finished requests whose values wait while profiles are still loading; beyond that they are dropped. Default 1000. */
    maxPendingRequests: z.number().int('must be a whole number').min(0, 'must be >= 0').default(1_000),
  })
  .superRefine((options, ctx) => {
    if ((options.profiles === undefined) === (options.queue === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['profiles'],
        message:
          'give either `profiles` ({ alias: "profile.json" or a CustomDriftProfile }) or an existing `queue`, not both',
      });
    }
    const aliases = options.queue?.aliases ?? Object.keys(options.profiles ?? {});
    if (options.defaultAlias !== undefined && !aliases.includes(options.defaultAlias)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultAlias'],
        message: `"${options.defaultAlias}" is not one of the aliases (${aliases.map((a) => `"${a}"`).join(', ')})`,
      });
    }
  });

/** Options of `scouter()` (Express) and the Fastify plugin; `Req` is the framework's request type. */
export type ScouterAdapterOptions<Req = never> = Omit<
  z.input<typeof scouterAdapterOptionsSchema>,
  'shouldRecord'
> & {
  /** `(req) => boolean`; requests it rejects are not monitored (no automatic metrics, inserts dropped). Default all. */
  shouldRecord?: (req: Req) => boolean;
};

/** Adapter options after validation and defaults. */
export type ResolvedAdapterOptions = z.output<typeof scouterAdapterOptionsSchema>;

/**
 * Validates adapter options (or wraps an existing `ScouterQueue`). Throws `InvalidOptionsError` naming each bad
 * field, also when options that configure a new queue are combined with `queue`.
 */
export function parseAdapterOptions(input: unknown, what = 'scouter'): ResolvedAdapterOptions {
  if (input instanceof ScouterQueue) input = { queue: input };
  if (typeof input === 'object' && input !== null && (input as { queue?: unknown }).queue !== undefined) {
    const clash = QUEUE_ONLY_KEYS.filter((key) => (input as Record<string, unknown>)[key] !== undefined);
    if (clash.length > 0) {
      throw new InvalidOptionsError(
        `Invalid ${what} options:\n  - ${clash.join(', ')}: configure a new queue and cannot be combined with \`queue\`; ` +
          'set them when creating that queue, or drop `queue` to let the adapter create one',
      );
    }
  }
  return parseOptions(scouterAdapterOptionsSchema, input ?? {}, what);
}

/** The signals to handle for a resolved `handleSignals` value (none for false). */
export function resolveSignals(value: ResolvedAdapterOptions['handleSignals']): NodeJS.Signals[] {
  if (value === false) return [];
  if (value === true) return ['SIGTERM', 'SIGINT'];
  return value;
}
