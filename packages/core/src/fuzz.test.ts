/**
 * Property-based fuzzing (fast-check) of every public constructor and loader: generated and mutated options,
 * environment values, profile JSON texts and files. Property: each call returns, or throws a `ScouterError` with a
 * stable code and a message; never a TypeError, RangeError or a hang. CI runs a fixed seed and FUZZ_RUNS (default
 * 100) inputs per entry point; `FUZZ_RUNS=10000 pnpm bench fuzz` is the benchmark-length run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { mutate } from './testing/mutate.js';
import {
  AlertThreshold,
  ConsoleDispatchConfig,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricAlertCondition,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  HttpConfig,
  KafkaConfig,
  Metric,
  Metrics,
  MockConfig,
  OpsGenieDispatchConfig,
  RabbitMQConfig,
  RedisConfig,
  ScouterQueue,
  SlackDispatchConfig,
  isScouterError,
  parseAdapterOptions,
  validateCron,
} from './index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 27);
/** Benchmark-length runs take minutes. */
const TIMEOUT_MS = 30_000 + RUNS * 100;
const dir = mkdtempSync(join(tmpdir(), 'scouter-fuzz-'));
const tally = new Map<string, { accepted: number; rejected: number }>();

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const lines = [...tally].map(
    ([what, t]) => `| ${what} | ${t.accepted + t.rejected} | ${t.accepted} | ${t.rejected} | 0 |`,
  );
  console.log(
    [
      `core fuzzing (seed ${SEED}, ${RUNS} runs each)`,
      '| entry point | inputs | accepted | rejected (ScouterError) | other errors |',
      '|---|---|---|---|---|',
      ...lines,
    ].join('\n'),
  );
});

/** Runs `fn`; anything it throws must be a ScouterError with a message. */
async function accepts(what: string, fn: () => unknown): Promise<void> {
  const t = tally.get(what) ?? { accepted: 0, rejected: 0 };
  tally.set(what, t);
  try {
    await fn();
    t.accepted++;
  } catch (err) {
    if (!isScouterError(err) || err.message.length === 0) {
      throw new Error(
        `${what} threw a non-ScouterError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`,
      );
    }
    t.rejected++;
  }
}

const weird = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    2 ** 53,
    -1,
    0,
    1e308,
    '',
    ' ',
    'é模型🚀',
    '\u0000',
    'a'.repeat(10_000),
    [],
    {},
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.double(),
);
/** Options: the valid ones mutated, or anything at all. */
const optionsLike = (valid: Record<string, unknown>) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), weird)
        .map(([p, r]) => mutate(valid, p, r, 5)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.string({ maxLength: 20 }), weird).map(([k, v]) => ({ ...valid, [k]: v })),
    },
    { weight: 1, arbitrary: weird },
  );
const envLike = (names: string[]) =>
  fc.dictionary(
    fc.constantFrom(...names),
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom('', '0', '-1', 'NaN', '1e999', 'true', 'http://', 'localhost:99999', '::1'),
    ),
  );

function property<T>(what: string, arb: fc.Arbitrary<T>, fn: (input: T) => unknown): Promise<void> {
  return fc.assert(
    fc.asyncProperty(arb, (input) => accepts(what, () => fn(input))),
    { numRuns: RUNS, seed: SEED },
  );
}

const validMetric = { name: 'mae', value: 1, alertThreshold: AlertThreshold.Above, alertThresholdValue: 0.5 };
const validDriftConfig = { space: 'scouter', name: 'model', version: '1.0.0', sampleSize: 25 };
const validProfile = Drifter.createDriftProfile(
  [new CustomMetric(validMetric)],
  new CustomMetricDriftConfig({
    ...validDriftConfig,
    alertConfig: new CustomMetricAlertConfig({ schedule: '0 0 * * * *' }),
  }),
).toJSON() as unknown as Record<string, unknown>;

describe('fuzzing every public constructor and loader of core', { timeout: TIMEOUT_MS }, () => {
  it('profile building blocks', async () => {
    await property('new CustomMetric', optionsLike(validMetric), (o) => new CustomMetric(o as never));
    await property(
      'new CustomMetricAlertCondition',
      optionsLike({ alertThreshold: 'Above', alertThresholdValue: 1 }),
      (o) => new CustomMetricAlertCondition(o as never),
    );
    await property(
      'new CustomMetricAlertConfig',
      optionsLike({ schedule: '0 0 * * * *' }),
      (o) => new CustomMetricAlertConfig(o as never),
    );
    await property(
      'new CustomMetricDriftConfig',
      optionsLike(validDriftConfig),
      (o) => new CustomMetricDriftConfig(o as never),
    );
    await property(
      'new ConsoleDispatchConfig',
      optionsLike({ enabled: true }),
      (o) => new ConsoleDispatchConfig(o as never),
    );
    await property(
      'new SlackDispatchConfig',
      optionsLike({ channel: 'alerts' }),
      (o) => new SlackDispatchConfig(o as never),
    );
    await property(
      'new OpsGenieDispatchConfig',
      optionsLike({ team: 'ml', priority: 'P1' }),
      (o) => new OpsGenieDispatchConfig(o as never),
    );
    await property(
      'validateCron',
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          '0 0 * * * *',
          '* * * * * * *',
          '0/0 * * * * *',
          '60 * * * * *',
          '0 0 0 31 2 *',
          'L W #',
          '1-0 * * * * *',
        ),
      ),
      (s) => validateCron(s),
    );
    await property('new Metric', fc.tuple(weird, weird), ([n, v]) => new Metric(n as never, v as never));
    await property(
      'new Metrics',
      fc.oneof(fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), weird), weird),
      (m) => new Metrics(m as never),
    );
    await property('Drifter.createDriftProfile (many metrics)', fc.integer({ min: 0, max: 3000 }), (n) =>
      Drifter.createDriftProfile(
        Array.from({ length: n }, (_, i) => new CustomMetric({ ...validMetric, name: `m${i}` })),
        new CustomMetricDriftConfig(validDriftConfig),
      ),
    );
  });

  it('profile JSON and profile files', async () => {
    const valid = JSON.stringify(validProfile);
    const texts = fc.oneof(
      fc
        .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), weird)
        .map(([p, r]) => JSON.stringify(mutate(validProfile, p, r, 5)) ?? 'null'),
      fc.nat({ max: valid.length }).map((cut) => valid.slice(0, cut)),
      fc.constantFrom(
        valid.replace('"sample_size":25', '"sample_size":1e999'),
        valid.replace(/"value":\s*1/, '"value":NaN'),
        '[]',
        'null',
        '"x"',
        '\uFEFF' + valid,
        '{"__proto__":{"x":1}}',
      ),
      fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    await property('CustomDriftProfile.fromJSON (text)', texts, (t) => CustomDriftProfile.fromJSON(t));
    await property('CustomDriftProfile.fromJSON (value)', optionsLike(validProfile), (v) =>
      CustomDriftProfile.fromJSON(v),
    );
    let n = 0;
    await property('CustomDriftProfile.load (file)', texts, (t: string) => {
      const path = join(dir, `profile-${n++ % 8}.json`);
      writeFileSync(path, t);
      return CustomDriftProfile.load(path);
    });
    await property(
      'CustomDriftProfile.load (path)',
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(dir, '/dev/null', '', '\u0000', join(dir, 'missing.json')),
      ),
      (p) => CustomDriftProfile.load(p),
    );
  });

  it('transport configs and their environment variables', async () => {
    const env = envLike([
      'SCOUTER_SERVER_URI',
      'SCOUTER_USERNAME',
      'SCOUTER_PASSWORD',
      'SCOUTER_AUTH_TOKEN',
      'SCOUTER_PROTOCOL',
    ]);
    await property(
      'new HttpConfig',
      fc.tuple(
        optionsLike({
          serverUri: 'http://127.0.0.1:8000',
          username: 'admin',
          password: 'admin',
          timeoutMs: 1000,
        }),
        env,
      ),
      ([o, e]) => new HttpConfig(o as never, e),
    );
    await property(
      'new KafkaConfig',
      fc.tuple(
        optionsLike({ brokers: 'localhost:9092', topic: 'scouter_monitoring' }),
        envLike([
          'KAFKA_BROKERS',
          'KAFKA_TOPIC',
          'KAFKA_USERNAME',
          'KAFKA_PASSWORD',
          'KAFKA_SECURITY_PROTOCOL',
          'KAFKA_SASL_MECHANISM',
          'KAFKA_CERT_LOCATION',
        ]),
      ),
      ([o, e]) => new KafkaConfig(o as never, e),
    );
    await property(
      'new RedisConfig',
      fc.tuple(
        optionsLike({ address: 'redis://127.0.0.1:6379', channel: 'scouter_monitoring' }),
        envLike(['REDIS_ADDR', 'REDIS_CHANNEL']),
      ),
      ([o, e]) => new RedisConfig(o as never, e),
    );
    await property(
      'new RabbitMQConfig',
      fc.tuple(
        optionsLike({ address: 'amqp://guest:guest@127.0.0.1:5672/%2f', queue: 'scouter_monitoring' }),
        envLike(['RABBITMQ_ADDR', 'RABBITMQ_QUEUE']),
      ),
      ([o, e]) => new RabbitMQConfig(o as never, e),
    );
    await property('new MockConfig', optionsLike({}), (o) => new MockConfig(o as never));
  });

  it('ScouterQueue and adapter options', async () => {
    const profile = CustomDriftProfile.fromJSON(validProfile);
    const path = profile.save(join(dir, 'valid.json'));
    await property(
      'ScouterQueue.fromProfiles (options)',
      optionsLike({
        flushIntervalMs: 1000,
        maxBufferedRecords: 100,
        maxBufferedBytes: 4096,
        sendLingerMs: 0,
        maxRetries: 1,
        concurrency: 2,
      }),
      async (o) => {
        const queue = await ScouterQueue.fromProfiles({ a: profile }, new MockConfig(), o as never);
        await queue.shutdown({ timeoutMs: 1000 });
      },
    );
    await property(
      'ScouterQueue.fromPath (paths)',
      fc.oneof(
        fc.dictionary(
          fc.string({ maxLength: 10 }),
          fc.oneof(fc.constant(path), fc.string({ maxLength: 20 })),
        ),
        weird,
      ),
      async (paths) => {
        const queue = await ScouterQueue.fromPath(paths as never, new MockConfig());
        await queue.shutdown({ timeoutMs: 1000 });
      },
    );
    const silent = { warn: () => undefined, error: () => undefined };
    const queue = await ScouterQueue.fromProfiles({ a: profile }, new MockConfig(), {
      flushIntervalMs: 60_000,
      logger: silent,
    });
    await property(
      'queue.insert (values)',
      fc.oneof(fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), weird), weird),
      (values) => {
        queue.insert('a', values as never);
      },
    );
    await queue.shutdown({ timeoutMs: 1000 });
    await property(
      'parseAdapterOptions',
      optionsLike({ profiles: { a: path }, transport: new MockConfig(), shutdownTimeoutMs: 1000 }),
      (o) => parseAdapterOptions(o),
    );
    expect(tally.size).toBeGreaterThanOrEqual(24);
  });
});
