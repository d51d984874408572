import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricDriftConfig,
  InvalidOptionsError,
  Metric,
  Metrics,
  MockConfig,
  MockTransport,
  ScouterHttpError,
  ScouterNetworkError,
  ScouterQueue,
  UnknownAliasError,
  serverRecordsJson,
  type QueueLogger,
  type Transport,
} from '@scouter-ts/core';

const T0 = Date.UTC(2025, 10, 24, 16, 33, 58, 123);

function profile(
  sampleSize = 25,
  names = ['mae', 'mape', 'accuracy'],
  space = 'scouter',
): CustomDriftProfile {
  const config = new CustomMetricDriftConfig({ space, name: 'model', version: '0.1.0', sampleSize });
  const metrics = names.map(
    (name) =>
      new CustomMetric({ name, value: 1, alertThreshold: AlertThreshold.Outside, alertThresholdValue: 0.5 }),
  );
  return new CustomDriftProfile(config, metrics);
}

function recordingLogger() {
  const calls: { level: string; obj: object; msg: string | undefined }[] = [];
  const logger: QueueLogger = {
    warn: (obj, msg) => calls.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => calls.push({ level: 'error', obj, msg }),
    info: (obj, msg) => calls.push({ level: 'info', obj, msg }),
    debug: (obj, msg) => calls.push({ level: 'debug', obj, msg }),
  };
  return { logger, calls };
}

/** A transport whose publishes stay pending until the test releases them. */
function gatedTransport() {
  const gates: { body: string; release: () => void; fail: (err: unknown) => void }[] = [];
  const delivered: string[] = [];
  let closed = false;
  const transport: Transport = {
    kind: 'gated',
    publish: (body) =>
      new Promise<void>((resolve, reject) => {
        gates.push({
          body,
          release: () => {
            delivered.push(body);
            resolve();
          },
          fail: reject,
        });
      }),
    close: async () => {
      closed = true;
    },
  };
  return { transport, gates, delivered, isClosed: () => closed };
}

const queues: ScouterQueue[] = [];
async function make(...args: Parameters<typeof ScouterQueue.fromProfiles>): Promise<ScouterQueue> {
  const queue = await ScouterQueue.fromProfiles(...args);
  queues.push(queue);
  return queue;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(queues.splice(0).map((q) => q.shutdown({ timeoutMs: 0 })));
});

describe('ScouterQueue batching (Scouter custom queue semantics)', () => {
  it('averages each metric over sampleSize inserts and leaves out metrics without values', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(25) }, mock, { logger: recordingLogger().logger });
    for (let i = 0; i < 25; i++)
      queue.get('a').insert(new Metrics([new Metric('mae', i), new Metric('mape', i)]));
    expect(await queue.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(mock.batches).toHaveLength(1);
    expect(mock.records.map((r) => [r.metric, r.value])).toEqual([
      ['mae', 12],
      ['mape', 12],
    ]);
  });

  it('sends the exact Scouter JSON body with distinct microsecond timestamps', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(2) }, mock, { now: () => T0 });
    queue.get('a').insert({ mae: 1, mape: 2 });
    queue.insert('a', { MAE: 3, Mape: 4.5 });
    await queue.flush();
    const expected =
      '{"records":[' +
      '{"Custom":{"created_at":"2025-11-24T16:33:58.123000Z","space":"scouter","name":"model","version":"0.1.0","metric":"mae","value":2}},' +
      '{"Custom":{"created_at":"2025-11-24T16:33:58.123001Z","space":"scouter","name":"model","version":"0.1.0","metric":"mape","value":3.25}}' +
      ']}';
    expect(mock.bodies).toEqual([expected]);
    expect(JSON.stringify(serverRecordsJson.parse(JSON.parse(expected)))).toBe(expected);
  });

  it('never reuses a microsecond across batches, even when the clock stands still or steps back', async () => {
    const mock = new MockConfig();
    let now = T0;
    const queue = await make({ a: profile(1, ['m1', 'm2', 'm3']), b: profile(1, ['m1']) }, mock, {
      now: () => now,
    });
    queue.insert('a', { m1: 1, m2: 2, m3: 3 });
    queue.insert('b', { m1: 1 });
    now = T0 - 5_000;
    queue.insert('a', { m1: 1, m3: 3 });
    await queue.flush();
    const stamps = mock.records.map((r) => r.created_at);
    expect(stamps).toEqual([
      '2025-11-24T16:33:58.123000Z',
      '2025-11-24T16:33:58.123001Z',
      '2025-11-24T16:33:58.123002Z',
      '2025-11-24T16:33:58.123003Z',
      '2025-11-24T16:33:58.123004Z',
      '2025-11-24T16:33:58.123005Z',
    ]);
  });

  it('keeps timestamps exact across a second boundary and counts UTF-8 bytes of non-ASCII names', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['précision']) }, mock, {
      now: () => Date.UTC(2025, 10, 24, 16, 33, 58, 999),
    });
    for (let i = 0; i < 1001; i++) queue.insert('a', { PRÉCISION: i });
    // A lingering batch counts at an upper bound of its bytes; flush() seals it, and its body counts exactly.
    const lingering = queue.stats().bufferedBytes;
    const flushed = queue.flush();
    const buffered = queue.stats().bufferedBytes;
    await flushed;
    expect(buffered).toBe(mock.bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0));
    expect(buffered).toBeGreaterThan(mock.bodies.reduce((sum, body) => sum + body.length, 0));
    expect(lingering).toBeGreaterThan(buffered);
    const stamps = mock.records.map((r) => r.created_at);
    expect(new Set(stamps).size).toBe(1001);
    expect([stamps[0], stamps[999], stamps[1000]]).toEqual([
      '2025-11-24T16:33:58.999000Z',
      '2025-11-24T16:33:58.999999Z',
      '2025-11-24T16:33:59.000000Z',
    ]);
  });

  it('accepts Metrics, Metric[] and plain objects, lower-casing names', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(3, ['mae']) }, mock);
    const a = queue.get('a');
    a.insert(new Metrics({ MAE: 1 }));
    a.insert([new Metric('Mae', 2)]);
    a.insert({ mae: 6 });
    await queue.flush();
    expect(mock.records.map((r) => [r.metric, r.value])).toEqual([['mae', 3]]);
    expect(queue.stats().inserted).toBe(3);
  });

  it('finds every metric of small and large profiles, in any spelling, integer-like names included', async () => {
    const mock = new MockConfig();
    const many = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const queue = await make({ small: profile(1, ['10', '2', 'mae']), large: profile(1, many) }, mock);
    queue.insert('small', { 2: 2, 10: 10, MAE: 1 });
    queue.insert('large', Object.fromEntries(many.map((name, i) => [i % 2 ? name.toUpperCase() : name, i])));
    await queue.flush();
    expect(mock.records.map((r) => [r.name, r.metric, r.value])).toEqual([
      ['model', '2', 2],
      ['model', '10', 10],
      ['model', 'mae', 1],
      ...many.map((name, i) => ['model', name, i]),
    ]);
    expect(queue.stats().dropped.unknownMetric).toBe(0);
  });

  it('a metric may have fewer values than the others in a batch', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(4, ['mae', 'mape']) }, mock);
    for (let i = 1; i <= 4; i++) queue.insert('a', i % 2 === 0 ? { mae: i, mape: 10 * i } : { mae: i });
    await queue.flush();
    expect(mock.records.map((r) => [r.metric, r.value])).toEqual([
      ['mae', 2.5],
      ['mape', 30],
    ]);
  });

  it('drops unknown names and non-finite or non-number values, counts them, and logs once per name', async () => {
    const mock = new MockConfig();
    const { logger, calls } = recordingLogger();
    const queue = await make({ a: profile(100, ['mae']) }, mock, { logger });
    for (let i = 0; i < 10; i++) {
      queue.insert('a', { mae: 1, rmse: 5, other: 1 });
      queue.insert('a', { mae: Number.NaN });
      queue.insert('a', { mae: Infinity });
      queue.insert('a', { mae: '3' as unknown as number });
    }
    expect(() => queue.insert('a', null as unknown as Record<string, number>)).not.toThrow();
    const result = await queue.flush();
    expect(result).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(mock.records.map((r) => [r.metric, r.value])).toEqual([['mae', 1]]);
    const { dropped } = queue.stats();
    expect(dropped.unknownMetric).toBe(20);
    expect(dropped.invalidValue).toBe(31);
    expect(calls.filter((c) => c.level === 'warn').map((c) => c.msg)).toEqual([
      'scouter-ts: metric "rmse" is not in the profile of "a"; its values are dropped',
      'scouter-ts: metric "other" is not in the profile of "a"; its values are dropped',
      'scouter-ts: metric "mae" got a value that is not a finite number; such values are dropped',
      'scouter-ts: insert() expects Metrics, Metric[] or { name: value }; input dropped',
    ]);
  });

  it('sends nothing for a batch in which no metric had a value (Scouter would send an empty records list)', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(2, ['mae']) }, mock, { logger: recordingLogger().logger });
    queue.insert('a', { nope: 1 });
    queue.insert('a', { nope: 2 });
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });
    expect(mock.calls).toBe(0);
  });

  it('sends a partial batch once flushIntervalMs has passed since the last cut, after the linger (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const queue = await make({ a: profile(25, ['mae']) }, mock, { flushIntervalMs: 30_000 });
    queue.insert('a', { mae: 1 });
    queue.insert('a', { mae: 2 });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(mock.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.stats()).toMatchObject({ bufferedRecords: 1, bufferedBatches: 1 });
    await vi.advanceTimersByTimeAsync(999);
    expect(mock.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.records.map((r) => [r.metric, r.value, r.created_at])).toEqual([
      ['mae', 1.5, '2025-11-24T16:34:28.123000Z'],
    ]);
    queue.insert('a', { mae: 7 });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(mock.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(mock.batches).toHaveLength(2);
  });

  it('does not send inline from insert(): the publish happens after the current task', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae']) }, mock);
    queue.insert('a', { mae: 1 });
    expect(mock.calls).toBe(0);
    await queue.flush();
    expect(mock.calls).toBe(1);
  });
});

describe('ScouterQueue delivery', () => {
  it('retries retryable failures with the same bytes and delivers exactly once', async () => {
    const attempts: string[] = [];
    const mock = new MockConfig({
      failWith: (body) => {
        attempts.push(body);
        return new ScouterNetworkError('connection refused');
      },
      failTimes: 2,
    });
    const errors: string[] = [];
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      random: () => 0,
      logger: recordingLogger().logger,
      onError: (err, info) => errors.push(`${err.code}:${info.problem}:${info.attempt}`),
    });
    queue.insert('a', { mae: 1 });
    expect(await queue.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(mock.calls).toBe(3);
    expect(mock.bodies).toHaveLength(1);
    expect(attempts).toEqual([mock.bodies[0], mock.bodies[0]]);
    expect(errors).toEqual(['ERR_NETWORK:retrying:0', 'ERR_NETWORK:retrying:1']);
    expect(queue.stats()).toMatchObject({ recordsSent: 1, batchesSent: 1, retries: 2, bufferedRecords: 0 });
  });

  it('drops a batch the server rejects with a non-retryable status, without retrying', async () => {
    const mock = new MockConfig({
      failWith: new ScouterHttpError(422, 'bad', 'POST', 'http://x/scouter/message'),
    });
    const { logger, calls } = recordingLogger();
    const problems: string[] = [];
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, mock, {
      logger,
      onError: (_err, info) => problems.push(info.problem),
    });
    queue.insert('a', { mae: 1, mape: 2 });
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 2, pending: 0 });
    expect(mock.calls).toBe(1);
    expect(problems).toEqual(['rejected']);
    expect(queue.stats().dropped.rejected).toBe(2);
    expect(calls.filter((c) => c.level === 'error')).toHaveLength(1);
  });

  it('uses full-jitter exponential backoff and honours a longer Retry-After (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    let call = 0;
    const mock = new MockConfig({
      failWith: () => {
        call++;
        if (call === 1) return new ScouterHttpError(429, 'slow down', 'POST', 'u', { retryAfterMs: 5_000 });
        if (call === 2) return new ScouterHttpError(503, 'down', 'POST', 'u');
        return undefined;
      },
    });
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      random: () => 0.5,
      retryBaseMs: 1_000,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 1 });
    const flushed = queue.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.calls).toBe(1);
    // jitter would be 0.5 * 1000 = 500 ms, Retry-After says 5000 ms: Retry-After wins.
    await vi.advanceTimersByTimeAsync(4_999);
    expect(mock.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.calls).toBe(2);
    // second retry: 0.5 * min(30000, 1000 * 2^1) = 1000 ms.
    await vi.advanceTimersByTimeAsync(999);
    expect(mock.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await flushed).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(mock.bodies).toHaveLength(1);
  });

  it('gives up after maxRetries and counts the records as retriesExhausted', async () => {
    const mock = new MockConfig({ failWith: new ScouterNetworkError('down') });
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      maxRetries: 3,
      random: () => 0,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 1 });
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(mock.calls).toBe(4);
    expect(queue.stats()).toMatchObject({ retries: 3, dropped: { retriesExhausted: 1 } });
  });

  it('treats plain errors from custom transports as retryable only when they say so', async () => {
    let calls = 0;
    const transport: Transport = {
      kind: 'custom',
      publish: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('broker busy'), { retryable: true });
        if (calls === 2) throw new Error('bad payload');
      },
      close: async () => undefined,
    };
    const queue = await make({ a: profile(1, ['mae']) }, transport, {
      random: () => 0,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 1 });
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(calls).toBe(2);
    expect(queue.stats().dropped.rejected).toBe(1);
  });

  it('bounds the buffer by records: evicts the oldest waiting batch, never one in flight', async () => {
    const gated = gatedTransport();
    const { logger, calls } = recordingLogger();
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, gated.transport, {
      sendLingerMs: 0,
      concurrency: 1,
      maxBufferedRecords: 6,
      logger,
    });
    queue.insert('a', { mae: 1, mape: 1 });
    await Promise.resolve();
    expect(gated.gates).toHaveLength(1);
    for (let i = 2; i <= 5; i++) queue.insert('a', { mae: i, mape: i });
    expect(queue.stats()).toMatchObject({
      bufferedRecords: 6,
      bufferedBatches: 3,
      dropped: { bufferFull: 4 },
    });
    const flushed = queue.flush();
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(gated.gates.length).toBe(i + 1));
      gated.gates[i]!.release();
    }
    expect(await flushed).toEqual({ sent: 6, dropped: 0, pending: 0 });
    expect(
      gated.delivered.map((b) => serverRecordsJson.parse(JSON.parse(b)).records[0]!.Custom.value),
    ).toEqual([1, 4, 5]);
    expect(calls.filter((c) => c.level === 'warn')).toHaveLength(1);
  });

  it('drops a batch larger than the whole buffer without evicting the others', async () => {
    const gated = gatedTransport();
    const queue = await make(
      { small: profile(1, ['mae']), wide: profile(1, ['m1', 'm2', 'm3']) },
      gated.transport,
      {
        sendLingerMs: 0,
        concurrency: 1,
        maxBufferedRecords: 2,
        logger: recordingLogger().logger,
      },
    );
    queue.insert('small', { mae: 1 });
    queue.insert('small', { mae: 2 });
    const flushed = queue.flush();
    queue.insert('wide', { m1: 1, m2: 2, m3: 3 });
    expect(queue.stats()).toMatchObject({ bufferedRecords: 2, dropped: { bufferFull: 3 } });
    await vi.waitFor(() => expect(gated.gates.length).toBe(1));
    gated.gates[0]!.release();
    await vi.waitFor(() => expect(gated.gates.length).toBe(2));
    gated.gates[1]!.release();
    expect(await flushed).toEqual({ sent: 2, dropped: 0, pending: 0 });
  });

  it('bounds the buffer by bytes too', async () => {
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, gated.transport, {
      concurrency: 1,
      maxBufferedBytes: 1024,
      logger: recordingLogger().logger,
    });
    for (let i = 0; i < 20; i++) queue.insert('a', { mae: i, mape: i });
    const { bufferedBytes, bufferedBatches, dropped } = queue.stats();
    expect(bufferedBytes).toBeLessThanOrEqual(1024);
    expect(bufferedBatches).toBeGreaterThan(1);
    expect(dropped.bufferFull).toBe(2 * (20 - bufferedBatches));
  });

  it('keeps memory bounded during an outage and delivers what fits once the server is back', async () => {
    vi.useFakeTimers({ now: T0 });
    let up = false;
    const mock = new MockConfig({
      failWith: () => (up ? undefined : new ScouterNetworkError('ECONNREFUSED')),
    });
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      sendLingerMs: 0,
      maxBufferedRecords: 50,
      random: () => 1,
      retryBaseMs: 100,
      retryMaxMs: 1_000,
      maxRetries: 100,
      logger: recordingLogger().logger,
    });
    for (let i = 0; i < 200; i++) {
      queue.insert('a', { mae: i });
      await vi.advanceTimersByTimeAsync(50);
      expect(queue.stats().bufferedRecords).toBeLessThanOrEqual(50);
    }
    up = true;
    const flushed = queue.flush();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await flushed).toEqual({ sent: 50, dropped: 0, pending: 0 });
    expect(mock.records.map((r) => r.value).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => 150 + i),
    );
    expect(queue.stats().dropped.bufferFull).toBe(150);
  });

  it('runs at most `concurrency` publishes at once', async () => {
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae']) }, gated.transport, {
      concurrency: 2,
      sendLingerMs: 0,
    });
    for (let i = 0; i < 5; i++) queue.insert('a', { mae: i });
    await vi.waitFor(() => expect(gated.gates.length).toBe(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(gated.gates).toHaveLength(2);
    const flushed = queue.flush();
    for (let i = 0; i < 5; i++) {
      await vi.waitFor(() => expect(gated.gates.length).toBe(Math.min(5, i + 2)));
      gated.gates[i]!.release();
    }
    expect(await flushed).toEqual({ sent: 5, dropped: 0, pending: 0 });
  });

  it('keeps no timer that holds the process open while idle or retrying', async () => {
    const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    const mock = new MockConfig({ failWith: new ScouterNetworkError('down') });
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      sendLingerMs: 0,
      retryBaseMs: 60_000,
      random: () => 1,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 1 });
    await vi.waitFor(() => expect(queue.stats().retries).toBe(1));
    expect(refTimers()).toBe(before);
  });

  it('flush() waits only for what was cut before the call', async () => {
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae']) }, gated.transport, {
      concurrency: 4,
      sendLingerMs: 0,
    });
    queue.insert('a', { mae: 1 });
    const first = queue.flush();
    queue.insert('a', { mae: 2 });
    await vi.waitFor(() => expect(gated.gates.length).toBe(2));
    gated.gates[0]!.release();
    expect(await first).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(queue.stats().bufferedRecords).toBe(1);
    gated.gates[1]!.release();
  });
});

describe('ScouterQueue lifecycle', () => {
  it('shutdown() drains partial batches, closes the transport, is idempotent, and drops later inserts', async () => {
    const mock = new MockConfig();
    const { logger, calls } = recordingLogger();
    const queue = await make({ a: profile(25, ['mae']), b: profile(25, ['mae']) }, mock, { logger });
    queue.insert('a', { mae: 1 });
    queue.insert('b', { mae: 3 });
    const first = queue.shutdown();
    expect(queue.shutdown({ timeoutMs: 1 })).toBe(first);
    expect(await first).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(mock.records.map((r) => r.value)).toEqual([1, 3]);
    expect(() => queue.insert('a', { mae: 1, mape: 2 })).not.toThrow();
    queue.get('b').insert(new Metrics([new Metric('mae', 1)]));
    expect(queue.stats().dropped.afterShutdown).toBe(3);
    // Counted per alias and summed; inserts after shutdown are not among them.
    expect(queue.stats().inserted).toBe(2);
    expect([queue.get('a').inserted, queue.get('b').inserted]).toEqual([1, 1]);
    expect(calls.filter((c) => c.msg?.includes('after shutdown'))).toHaveLength(1);
    await expect(new MockTransport(mock).publish('{}')).resolves.toBeUndefined();
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 0, pending: 0 });
  });

  it('shutdown() gives up at its deadline and reports what is still pending (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, gated.transport, {
      sendLingerMs: 0,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 1, mape: 1 });
    queue.insert('a', { mae: 2, mape: 2 });
    const done = queue.shutdown({ timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    gated.gates[0]!.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await done).toEqual({ sent: 2, dropped: 0, pending: 2 });
    expect(queue.stats()).toMatchObject({ bufferedRecords: 0, dropped: { shutdownTimeout: 2 } });
    expect(gated.isClosed()).toBe(true);
    gated.gates[1]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.stats().recordsSent).toBe(2);
  });

  it('shutdown() waits for a retry that completes before the deadline (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig({ failWith: new ScouterHttpError(503, 'x', 'POST', 'u'), failTimes: 1 });
    const queue = await make({ a: profile(10, ['mae']) }, mock, {
      random: () => 1,
      retryBaseMs: 2_000,
      logger: recordingLogger().logger,
    });
    queue.insert('a', { mae: 4 });
    const done = queue.shutdown({ timeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await done).toEqual({ sent: 1, dropped: 0, pending: 0 });
  });

  it('get() of an unknown alias throws UnknownAliasError listing the known aliases', async () => {
    const queue = await make({ model_a: profile(), model_b: profile() }, new MockConfig());
    expect(queue.aliases).toEqual(['model_a', 'model_b']);
    expect(() => queue.get('nope')).toThrow(UnknownAliasError);
    expect(() => queue.insert('nope', { mae: 1 })).toThrow(
      'Unknown queue alias "nope". Known aliases: "model_a", "model_b".',
    );
  });

  it('fromPath() reads every profile before returning, so the files may be deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-queue-'));
    const p = profile(2, ['mae']);
    const path = join(dir, 'profile.json');
    p.save(path);
    const mock = new MockConfig();
    const queue = await ScouterQueue.fromPath({ a: path }, mock);
    queues.push(queue);
    rmSync(dir, { recursive: true, force: true });
    expect(queue.get('a').identifier).toBe('scouter/model/v0.1.0/custom');
    expect(queue.get('a').profile.config.sampleSize).toBe(2);
    queue.insert('a', { mae: 1 });
    queue.insert('a', { mae: 2 });
    await queue.flush();
    expect(mock.records.map((r) => r.value)).toEqual([1.5]);
    await expect(ScouterQueue.fromPath({ a: path }, mock)).rejects.toMatchObject({ code: 'ERR_IO' });
  });

  it('reports the transport config and builds a MockTransport for a MockConfig', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile() }, mock);
    expect(queue.transportConfig).toBe(mock);
    expect(queue.transport.kind).toBe('mock');
  });

  it('rejects bad options at construction, naming the field', async () => {
    await expect(
      ScouterQueue.fromProfiles({ a: profile() }, new MockConfig(), { concurrency: 0 }),
    ).rejects.toThrow(InvalidOptionsError);
    await expect(
      ScouterQueue.fromProfiles({ a: profile() }, new MockConfig(), { flushIntervalMs: -1 }),
    ).rejects.toThrow(/flushIntervalMs/);
    await expect(
      ScouterQueue.fromProfiles({ a: {} as CustomDriftProfile }, new MockConfig()),
    ).rejects.toThrow(/CustomDriftProfile/);
    await expect(ScouterQueue.fromProfiles({}, new MockConfig())).rejects.toThrow(/at least one alias/);
  });

  it('never lets a throwing logger or onError hook escape into the caller', async () => {
    const throwing: QueueLogger = {
      warn: () => {
        throw new Error('logger broke');
      },
      error: () => {
        throw new Error('logger broke');
      },
    };
    const mock = new MockConfig({ failWith: new ScouterHttpError(400, 'x', 'POST', 'u') });
    const queue = await make({ a: profile(1, ['mae']) }, mock, {
      logger: throwing,
      onError: () => {
        throw new Error('hook broke');
      },
    });
    expect(() => queue.insert('a', { unknown: 1 })).not.toThrow();
    queue.insert('a', { mae: 1 });
    expect(await queue.flush()).toEqual({ sent: 0, dropped: 1, pending: 0 });
  });
});

describe('MockConfig', () => {
  it('records bodies, parsed batches and flat records, and can be reset', async () => {
    const mock = new MockConfig();
    const transport = new MockTransport(mock);
    const body =
      '{"records":[{"Custom":{"created_at":"2025-11-24T16:33:58.123000Z","space":"s","name":"n","version":"1.0.0","metric":"mae","value":1}}]}';
    await transport.publish(body);
    expect(transport.bodies).toEqual([body]);
    expect(mock.records).toEqual([
      {
        created_at: '2025-11-24T16:33:58.123000Z',
        space: 's',
        name: 'n',
        version: '1.0.0',
        metric: 'mae',
        value: 1,
      },
    ]);
    mock.reset();
    expect(mock.batches).toEqual([]);
    expect(mock.calls).toBe(0);
    expect(() => new MockConfig({ failTimes: -1 })).toThrow(/failTimes/);
  });
});
