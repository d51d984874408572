import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricDriftConfig,
  MockConfig,
  MockTransport,
  ScouterNetworkError,
  ScouterQueue,
  serverRecordsJson,
  type QueueLogger,
  type Transport,
} from '@scouter-ts/core';

const T0 = Date.UTC(2025, 10, 24, 16, 33, 58, 123);
const silent: QueueLogger = { warn: () => undefined, error: () => undefined };

function profile(sampleSize: number, names: string[], name = 'model'): CustomDriftProfile {
  const config = new CustomMetricDriftConfig({ space: 'scouter', name, version: '0.1.0', sampleSize });
  const metrics = names.map(
    (metric) =>
      new CustomMetric({
        name: metric,
        value: 1,
        alertThreshold: AlertThreshold.Outside,
        alertThresholdValue: 0.5,
      }),
  );
  return new CustomDriftProfile(config, metrics);
}

/** The JSON of one record as the queue writes it. */
function record(micros: number, name: string, metric: string, value: number): string {
  const stamp = `2025-11-24T16:33:58.${String(123_000 + micros).padStart(6, '0')}Z`;
  return `{"Custom":{"created_at":"${stamp}","space":"scouter","name":"${name}","version":"0.1.0","metric":"${metric}","value":${value}}}`;
}

/** A transport whose publishes stay pending until the test releases or fails them. */
function gatedTransport() {
  const gates: { body: string; release: () => void; fail: (err: unknown) => void }[] = [];
  const transport: Transport = {
    kind: 'gated',
    publish: (body) =>
      new Promise<void>((resolve, reject) => {
        gates.push({ body, release: resolve, fail: reject });
      }),
    close: async () => undefined,
  };
  return { transport, gates };
}

const queues: ScouterQueue[] = [];
async function make(...args: Parameters<typeof ScouterQueue.fromProfiles>): Promise<ScouterQueue> {
  const queue = await ScouterQueue.fromProfiles(...args);
  queues.push(queue);
  return queue;
}

const values = (body: string) =>
  serverRecordsJson.parse(JSON.parse(body)).records.map((r) => [r.Custom.metric, r.Custom.value]);

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(queues.splice(0).map((q) => q.shutdown({ timeoutMs: 0 })));
});

describe('ScouterQueue coalescing (sendLingerMs / maxRecordsPerSend)', () => {
  it('sends the batches cut within sendLingerMs as ONE exact body, each record with its own microsecond', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const queue = await make({ a: profile(2, ['mae', 'mape']), b: profile(1, ['acc'], 'other') }, mock, {
      sendLingerMs: 1_000,
    });
    queue.insert('a', { mae: 1, mape: 2 });
    queue.insert('a', { mae: 3, mape: 4.5 });
    queue.insert('b', { acc: 0.9 });
    await vi.advanceTimersByTimeAsync(400);
    queue.insert('a', { mae: 5 });
    queue.insert('a', { mae: 7 });
    await vi.advanceTimersByTimeAsync(599);
    expect(mock.calls).toBe(0);
    expect(queue.stats()).toMatchObject({ bufferedRecords: 4, bufferedBatches: 3 });
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.bodies).toEqual([
      '{"records":[' +
        [
          record(0, 'model', 'mae', 2),
          record(1, 'model', 'mape', 3.25),
          record(2, 'other', 'acc', 0.9),
          // the clock is fake and moved 400 ms: these were cut at T0 + 400 ms
          record(400_000, 'model', 'mae', 6),
        ].join(',') +
        ']}',
    ]);
    expect(queue.stats()).toMatchObject({
      recordsSent: 4,
      batchesSent: 1,
      bufferedRecords: 0,
      bufferedBytes: 0,
      bufferedBatches: 0,
    });
  });

  it('the linger starts at the first waiting batch: a batch never waits longer than sendLingerMs (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae']) }, mock, { sendLingerMs: 200 });
    queue.insert('a', { mae: 1 });
    await vi.advanceTimersByTimeAsync(150);
    queue.insert('a', { mae: 2 });
    await vi.advanceTimersByTimeAsync(49);
    expect(mock.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.bodies.map(values)).toEqual([
      [
        ['mae', 1],
        ['mae', 2],
      ],
    ]);
    queue.insert('a', { mae: 3 });
    await vi.advanceTimersByTimeAsync(199);
    expect(mock.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.bodies.map(values)).toEqual([
      [
        ['mae', 1],
        ['mae', 2],
      ],
      [['mae', 3]],
    ]);
  });

  it('under load sends as soon as maxRecordsPerSend records wait, never splitting a batch', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['m1', 'm2', 'm3']) }, mock, {
      sendLingerMs: 60_000,
      maxRecordsPerSend: 10,
      concurrency: 1,
    });
    for (let i = 0; i < 10; i++) queue.insert('a', { m1: i, m2: i, m3: i });
    // 30 records in batches of 3: bodies of 9 (a 4th batch would exceed 10); 3 records still linger.
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.bodies.map((b) => values(b).length)).toEqual([9, 9, 9]);
    expect(mock.records.map((r) => r.value)).toEqual([
      0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8,
    ]);
    expect(queue.stats()).toMatchObject({ batchesSent: 3, recordsSent: 27, bufferedRecords: 3 });
    const stamps = mock.records.map((r) => r.created_at);
    expect(new Set(stamps).size).toBe(27);
    expect(await queue.flush()).toEqual({ sent: 3, dropped: 0, pending: 0 });
    expect(mock.bodies).toHaveLength(4);
  });

  it('under load sends as soon as maxBytesPerSend bytes wait; no coalesced body is larger, a larger batch goes alone', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const names = Array.from({ length: 12 }, (_, i) => `metric_${i}`);
    const queue = await make({ a: profile(1, ['m1', 'm2', 'm3']), big: profile(1, names, 'big') }, mock, {
      sendLingerMs: 60_000,
      maxBytesPerSend: 1024,
      concurrency: 1,
    });
    // A batch of 3 records is at most 3 × (1 + 27 + 27 + tail + 24) bytes: about 440 here, so two fit in 1024.
    for (let i = 0; i < 6; i++) queue.insert('a', { m1: i, m2: i, m3: i });
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.bodies.map((b) => values(b).length)).toEqual([6, 6]);
    expect(queue.stats().bufferedRecords).toBe(6);
    // 12 records in one batch: over 1024 bytes on its own, sent as one body, never split.
    queue.insert('big', Object.fromEntries(names.map((name) => [name, 0.5])));
    expect(await queue.flush()).toEqual({ sent: 18, dropped: 0, pending: 0 });
    expect(mock.bodies.map((b) => values(b).length)).toEqual([6, 6, 6, 12]);
    for (const body of mock.bodies.slice(0, 3)) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(mock.bodies[3] ?? '')).toBeGreaterThan(1024);
  });

  it('flush() and shutdown() do not wait for the linger', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae']), b: profile(1, ['mae'], 'other') }, mock, {
      sendLingerMs: 3_600_000,
    });
    queue.insert('a', { mae: 1 });
    queue.insert('b', { mae: 2 });
    const started = Date.now();
    expect(await queue.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(mock.bodies.map(values)).toEqual([
      [
        ['mae', 1],
        ['mae', 2],
      ],
    ]);
    queue.insert('a', { mae: 3 });
    expect(await queue.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(mock.bodies.map(values)).toEqual([
      [
        ['mae', 1],
        ['mae', 2],
      ],
      [['mae', 3]],
    ]);
  });

  it('flush() waits only for what was cut before it, even while later batches linger', async () => {
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae']) }, gated.transport, { sendLingerMs: 3_600_000 });
    queue.insert('a', { mae: 1 });
    queue.insert('a', { mae: 2 });
    const first = queue.flush();
    queue.insert('a', { mae: 3 });
    await vi.waitFor(() => expect(gated.gates).toHaveLength(1));
    gated.gates[0]!.release();
    expect(await first).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(values(gated.gates[0]!.body)).toEqual([
      ['mae', 1],
      ['mae', 2],
    ]);
    expect(queue.stats()).toMatchObject({ bufferedRecords: 1, bufferedBatches: 1 });
    expect(gated.gates).toHaveLength(1);
  });

  it('retries a coalesced body byte for byte and counts its records once', async () => {
    vi.useFakeTimers({ now: T0 });
    const inner = new MockTransport(
      new MockConfig({ failWith: new ScouterNetworkError('ECONNRESET'), failTimes: 2 }),
    );
    const attempts: string[] = [];
    const transport: Transport = {
      kind: 'spy',
      publish: (body) => {
        attempts.push(body);
        return inner.publish(body);
      },
      close: async () => undefined,
    };
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, transport, {
      sendLingerMs: 100,
      random: () => 1,
      retryBaseMs: 50,
      logger: silent,
    });
    for (let i = 0; i < 3; i++) queue.insert('a', { mae: i, mape: -i });
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts).size).toBe(1);
    expect(values(attempts[0]!)).toHaveLength(6);
    expect(inner.bodies).toEqual([attempts[0]]);
    expect(queue.stats()).toMatchObject({ recordsSent: 6, batchesSent: 1, retries: 2, bufferedRecords: 0 });
  });

  it('bounds lingering batches too: the oldest are dropped and counted in records, bytes exact once sealed', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const warnings: string[] = [];
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, mock, {
      sendLingerMs: 1_000,
      maxBufferedRecords: 4,
      logger: { warn: (_obj, msg) => warnings.push(msg ?? ''), error: () => undefined },
    });
    for (let i = 1; i <= 5; i++) queue.insert('a', { mae: i, mape: i });
    expect(queue.stats()).toMatchObject({
      bufferedRecords: 4,
      bufferedBatches: 2,
      dropped: { bufferFull: 6 },
    });
    const lingering = queue.stats().bufferedBytes;
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.calls).toBe(0);
    const done = queue.flush();
    // sealed into one body: counted at its exact length from then on, below the lingering parts' upper bounds
    const sealed = queue.stats().bufferedBytes;
    expect(await done).toEqual({ sent: 4, dropped: 0, pending: 0 });
    expect(sealed).toBe(Buffer.byteLength(mock.bodies[0] ?? ''));
    expect(lingering).toBeGreaterThan(sealed);
    expect(mock.bodies.map(values)).toEqual([
      [
        ['mae', 4],
        ['mape', 4],
        ['mae', 5],
        ['mape', 5],
      ],
    ]);
    expect(warnings).toHaveLength(1);
  });

  it('drops sealed bodies waiting to be sent before lingering batches, and never one in flight', async () => {
    const gated = gatedTransport();
    const queue = await make({ a: profile(1, ['mae']) }, gated.transport, {
      sendLingerMs: 3_600_000,
      maxRecordsPerSend: 2,
      maxBufferedRecords: 5,
      concurrency: 1,
      logger: silent,
    });
    for (let i = 1; i <= 4; i++) queue.insert('a', { mae: i });
    await vi.waitFor(() => expect(gated.gates).toHaveLength(1));
    // [1,2] in flight, [3,4] sealed and queued; 5 lingers; 6 evicts the queued body, not the one in flight,
    // and fills [5,6]
    queue.insert('a', { mae: 5 });
    queue.insert('a', { mae: 6 });
    expect(queue.stats()).toMatchObject({ bufferedRecords: 4, dropped: { bufferFull: 2 } });
    gated.gates[0]!.release();
    await vi.waitFor(() => expect(queue.stats().recordsSent).toBe(2));
    const done = queue.flush();
    await vi.waitFor(() => expect(gated.gates).toHaveLength(2));
    gated.gates[1]!.release();
    expect(await done).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(gated.gates.map((g) => values(g.body).map(([, v]) => v))).toEqual([
      [1, 2],
      [5, 6],
    ]);
  });

  it('keeps no timer that holds the process open while lingering', async () => {
    const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae']) }, mock, { sendLingerMs: 60_000 });
    queue.insert('a', { mae: 1 });
    expect(queue.stats().bufferedRecords).toBe(1);
    expect(refTimers()).toBe(before);
  });

  it('renders a lingering batch when its body is sealed, counted until then at a bound its longest numbers reach', async () => {
    vi.useFakeTimers({ now: T0 });
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae', 'mape']) }, mock, { sendLingerMs: 1_000 });
    const seal = async () => {
      const lingering = queue.stats().bufferedBytes;
      const done = queue.flush();
      const sealed = queue.stats().bufferedBytes;
      await done;
      return { lingering, sealed, body: mock.bodies.at(-1) ?? '' };
    };
    // the longest texts a number has: the bound is exact for them
    queue.insert('a', { mae: -2.2250738585072014e-308, mape: -1.7976931348623157e308 });
    const longest = await seal();
    expect(longest.sealed).toBe(Buffer.byteLength(longest.body));
    expect(longest.lingering).toBe(longest.sealed);
    expect(longest.body).toBe(
      `{"records":[${record(0, 'model', 'mae', -2.2250738585072014e-308)},${record(1, 'model', 'mape', -1.7976931348623157e308)}]}`,
    );
    queue.insert('a', { mae: 0, mape: 1 / 3 });
    const short = await seal();
    expect(short.lingering).toBeGreaterThan(short.sealed);
    expect(short.body).toBe(
      `{"records":[${record(2, 'model', 'mae', 0)},${record(3, 'model', 'mape', 1 / 3)}]}`,
    );
  });

  it('sendLingerMs: 0 sends every batch as its own request', async () => {
    const mock = new MockConfig();
    const queue = await make({ a: profile(1, ['mae']) }, mock, { sendLingerMs: 0 });
    for (let i = 0; i < 3; i++) queue.insert('a', { mae: i });
    expect(await queue.flush()).toEqual({ sent: 3, dropped: 0, pending: 0 });
    expect(mock.bodies.map(values)).toEqual([[['mae', 0]], [['mae', 1]], [['mae', 2]]]);
  });

  it('validates the options', async () => {
    await expect(make({ a: profile(1, ['mae']) }, new MockConfig(), { sendLingerMs: -1 })).rejects.toThrow(
      /sendLingerMs: must be >= 0/,
    );
    await expect(
      make({ a: profile(1, ['mae']) }, new MockConfig(), { maxRecordsPerSend: 0 }),
    ).rejects.toThrow(/maxRecordsPerSend: must be > 0/);
    await expect(
      make({ a: profile(1, ['mae']) }, new MockConfig(), { maxBytesPerSend: 1023 }),
    ).rejects.toThrow(/maxBytesPerSend: must be >= 1024 bytes/);
  });
});
