import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { Metric, Metrics } from '../queue/metrics.js';
import { ScouterQueue } from '../queue/scouter-queue.js';
import { MockConfig } from '../transport/mock.js';
import { record } from './context.js';
import { RequestMonitor } from './request-monitor.js';
import { handleShutdownSignals } from './signals.js';
import { makeProfile as profile, memoryLogger } from './testing/fixtures.js';

const values = (mock: MockConfig) => mock.records.map(({ name, metric, value }) => ({ name, metric, value }));
const monitors: RequestMonitor[] = [];
function monitorOf(options: unknown): RequestMonitor {
  const monitor = new RequestMonitor(options, { logger: memoryLogger() });
  monitors.push(monitor);
  return monitor;
}
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('RequestMonitor', () => {
  it('inserts the values of a request at commit, with the automatic metrics its profile declares', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({
      profiles: { model: profile('m', ['mae', 'latency_ms', 'error']) },
      transport: mock,
    });
    await monitor.ready();
    const ok = monitor.begin({});
    ok.insert({ mae: 0.5 });
    expect(mock.records).toEqual([]);
    ok.commit(200);
    const failed = monitor.begin({});
    failed.commit(503);
    await monitor.close();
    const got = values(mock);
    expect(got.filter((r) => r.metric !== 'latency_ms')).toEqual([
      { name: 'm', metric: 'mae', value: 0.5 },
      { name: 'm', metric: 'error', value: 0 },
      { name: 'm', metric: 'error', value: 1 },
    ]);
    const latencies = got.filter((r) => r.metric === 'latency_ms').map((r) => r.value);
    expect(latencies).toEqual([ok.latencyMs, failed.latencyMs]);
    expect(latencies.every((ms) => ms > 0)).toBe(true);
    expect(monitor.stats()).toMatchObject({ requests: 2, inserted: 2, failed: 0 });
  });

  it('reads no clock when no profile declares latency_ms (unknown while loading: then it does)', async () => {
    const monitor = monitorOf({
      profiles: { model: profile('m', ['mae', 'error']) },
      transport: new MockConfig(),
    });
    expect(monitor.measuresLatency).toBe(true);
    const early = monitor.begin({});
    await monitor.ready();
    expect(monitor.measuresLatency).toBe(false);
    const late = monitor.begin({});
    expect([early.startedAt > 0, late.startedAt]).toEqual([true, 0]);
    late.commit(200);
    expect(late.latencyMs).toBe(0);
  });

  it('hands inserts to the queue at once when no profile declares automatic metrics, through one shared capture', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({ profiles: { model: profile('m', ['mae']) }, transport: mock });
    // While the profiles load nothing is known yet: requests wait for their end, as with automatic metrics.
    expect(monitor.needsResponseEnd).toBe(true);
    const early = monitor.begin({});
    expect(early.needsEnd).toBe(true);
    early.insert({ mae: 1 });
    const queue = await monitor.ready();
    expect(monitor.needsResponseEnd).toBe(false);
    const first = monitor.begin({});
    const second = monitor.begin({});
    expect(first).toBe(second);
    expect(first.needsEnd).toBe(false);
    first.insert({ mae: 2 });
    second.insert({ mae: 3 });
    expect(queue.stats().inserted).toBe(2);
    early.commit(200);
    expect(queue.stats().inserted).toBe(3);
    const filtered = monitorOf({
      queue,
      shouldRecord: () => false,
    });
    expect(filtered.begin({}).needsEnd).toBe(false);
    filtered.begin({}).insert({ mae: 99 });
    await monitor.close();
    expect(values(mock).map((r) => r.value)).toEqual([2, 3, 1]);
    expect(monitor.stats()).toMatchObject({ requests: 3, inserted: 3 });

    const timed = monitorOf({
      profiles: { model: profile('m', ['mae', 'error']) },
      transport: new MockConfig(),
    });
    await timed.ready();
    expect(timed.needsResponseEnd).toBe(true);
    expect(timed.begin({}).needsEnd).toBe(true);
  });

  it('passes the coalescing options to the queue it creates', async () => {
    const lingering = new MockConfig();
    const coalesced = monitorOf({ profiles: { a: profile('a', ['mae']) }, transport: lingering });
    const immediate = new MockConfig();
    const single = monitorOf({
      profiles: { a: profile('a', ['mae']) },
      transport: immediate,
      sendLingerMs: 0,
    });
    const many = new MockConfig();
    const small = monitorOf({
      profiles: { a: profile('a', ['mae']) },
      transport: many,
      maxRecordsPerSend: 2,
    });
    for (const monitor of [coalesced, single, small]) {
      await monitor.ready();
      for (let i = 0; i < 3; i++) {
        const capture = monitor.begin({});
        capture.insert({ mae: i });
        capture.commit(200);
      }
    }
    await vi.waitFor(() => expect(immediate.bodies).toHaveLength(3));
    expect(many.bodies).toHaveLength(1);
    expect(lingering.bodies).toHaveLength(0);
    await coalesced.close();
    expect(lingering.bodies).toHaveLength(1);
    expect(values(lingering).map((r) => r.value)).toEqual([0, 1, 2]);
  });

  it('adds no automatic metric a profile does not declare, and keeps a user-given latency_ms', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({
      profiles: { a: profile('a', ['mae']), b: profile('b', ['latency_ms']) },
      transport: mock,
    });
    await monitor.ready();
    const capture = monitor.begin({});
    capture.insert('a', new Metrics([new Metric('MAE', 2)]));
    capture.insert('b', [new Metric('latency_ms', 7)]);
    capture.commit(200);
    await monitor.close();
    expect(values(mock)).toEqual([
      { name: 'a', metric: 'mae', value: 2 },
      { name: 'b', metric: 'latency_ms', value: 7 },
    ]);
  });

  it('reports insert(metrics) without an alias when there are several profiles, unless defaultAlias is set', async () => {
    const mock = new MockConfig();
    const logger = memoryLogger();
    const monitor = new RequestMonitor({
      profiles: { a: profile('a', ['mae']), b: profile('b', ['mae']) },
      transport: mock,
      logger,
    });
    monitors.push(monitor);
    await monitor.ready();
    for (let i = 0; i < 3; i++) {
      const capture = monitor.begin({});
      expect(() => capture.insert({ mae: 1 })).not.toThrow();
      capture.commit(200);
    }
    expect(monitor.stats()).toMatchObject({ inserted: 0, failed: 3 });
    expect(logger.lines).toHaveLength(1);

    const withDefault = monitorOf({ queue: monitor.queue, defaultAlias: 'b' });
    const capture = withDefault.begin({});
    capture.insert({ mae: 4 });
    capture.commit(200);
    await withDefault.close();
    expect(values(mock)).toEqual([{ name: 'b', metric: 'mae', value: 4 }]);
  });

  it('keeps requests that finish while profiles load and inserts them once the queue is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-capture-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'profile.json');
    writeFileSync(path, JSON.stringify(profile('file', ['mae']).toJSON()));
    const mock = new MockConfig();
    const monitor = monitorOf({ profiles: { model: path }, transport: mock, maxPendingRequests: 1 });
    expect(monitor.queue).toBeUndefined();
    const early = monitor.begin({});
    early.insert({ mae: 3 });
    early.commit(200);
    const overflow = monitor.begin({});
    overflow.insert({ mae: 100 });
    overflow.commit(200);
    expect(monitor.stats()).toMatchObject({ waiting: 1, droppedNotReady: 1 });
    await monitor.ready();
    await monitor.close();
    expect(values(mock)).toEqual([{ name: 'file', metric: 'mae', value: 3 }]);
  });

  it('rejects ready() and drops values when a profile path cannot be loaded, without throwing into requests', async () => {
    const logger = memoryLogger();
    const monitor = new RequestMonitor({
      profiles: { model: '/nonexistent/p.json' },
      transport: new MockConfig(),
      logger,
    });
    const capture = monitor.begin({});
    capture.insert({ mae: 1 });
    capture.commit(200);
    await expect(monitor.ready()).rejects.toMatchObject({ code: 'ERR_IO' });
    expect(logger.lines).toEqual([['error', expect.stringContaining('could not be created')]]);
    expect(monitor.stats()).toMatchObject({ droppedNotReady: 1 });
    expect(() => monitor.begin({}).commit(200)).not.toThrow();
    await expect(monitor.close()).resolves.toEqual({ sent: 0, dropped: 0, pending: 0 });
  });

  it('makes record() reach the current request through nested async code, and warns once outside requests', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({
      profiles: { model: profile('m', ['score']) },
      transport: mock,
      asyncContext: true,
    });
    await monitor.ready();
    const capture = monitor.begin({});
    await monitor.run(capture, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await Promise.resolve().then(() => record({ score: 9 }));
    });
    capture.commit(200);
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    process.on('warning', onWarning);
    record({ score: 1 });
    record({ score: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    await monitor.close();
    expect(values(mock)).toEqual([{ name: 'm', metric: 'score', value: 9 }]);
    expect(warnings).toEqual([
      expect.stringMatching(/^SCOUTER_RECORD_OUTSIDE_REQUEST: .*asyncContext: true/),
    ]);
  });

  it('enters no async context by default: record() values are dropped, insert() still works', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({ profiles: { model: profile('m', ['score']) }, transport: mock });
    await monitor.ready();
    expect(monitor.options.asyncContext).toBe(false);
    const capture = monitor.begin({});
    await monitor.run(capture, async () => {
      await Promise.resolve();
      record({ score: 1 });
      capture.insert({ score: 2 });
    });
    capture.commit(200);
    await monitor.close();
    expect(values(mock)).toEqual([{ name: 'm', metric: 'score', value: 2 }]);
  });

  it('leaves requests shouldRecord rejects unmonitored, and monitors when the filter throws', async () => {
    const mock = new MockConfig();
    const monitor = monitorOf({
      profiles: { model: profile('m', ['mae', 'latency_ms']) },
      transport: mock,
      shouldRecord: (req: { path: string }) => {
        if (req.path === '/boom') throw new Error('boom');
        return req.path !== '/health';
      },
    });
    await monitor.ready();
    const skipped = monitor.begin({ path: '/health' });
    skipped.insert({ mae: 1 });
    skipped.commit(200);
    const kept = monitor.begin({ path: '/boom' });
    kept.insert({ mae: 2 });
    kept.commit(200);
    await monitor.close();
    expect(values(mock).map((r) => r.metric)).toEqual(['mae', 'latency_ms']);
    expect(monitor.stats()).toMatchObject({ requests: 1, filtered: 1 });
  });

  it('flushes but does not shut down a queue it was given', async () => {
    const mock = new MockConfig();
    const queue = await ScouterQueue.fromProfiles({ model: profile('m', ['mae'], 10) }, mock);
    const monitor = monitorOf(queue);
    const capture = monitor.begin({});
    capture.insert({ mae: 1 });
    capture.commit(200);
    expect(await monitor.close()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    queue.insert('model', { mae: 5 });
    expect(await queue.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
  });

  it('validates options with errors naming the field', () => {
    const make = (options: unknown) => () => new RequestMonitor(options);
    expect(make({})).toThrow(/profiles: give either `profiles`/);
    expect(make({ profiles: {} })).toThrow(/profiles: needs at least one alias/);
    expect(make({ profiles: { a: 42 } })).toThrow(
      /profiles\.a: expected a profile file path or a CustomDriftProfile/,
    );
    expect(make({ profiles: { a: 'p.json' }, defaultAlias: 'b' })).toThrow(/defaultAlias: "b" is not one of/);
    expect(make({ profiles: { a: 'p.json' }, handleSignals: 'yes' })).toThrow(/handleSignals/);
    expect(make({ profiles: { a: 'p.json' }, flushIntervalMs: -1 })).toThrow(/flushIntervalMs/);
    expect(make({ profiles: { a: 'p.json' }, bogus: 1 })).toThrow(/bogus/);
    expect(make({ profiles: { a: 'p.json' }, shouldRecord: true })).toThrow(
      /shouldRecord: expected a function/,
    );
  });

  it('refuses queue options together with an existing queue', async () => {
    const queue = await ScouterQueue.fromProfiles({ model: profile('m', ['mae']) }, new MockConfig());
    expect(() => new RequestMonitor({ queue, flushIntervalMs: 10 })).toThrow(
      /flushIntervalMs: configure a new queue and cannot be combined with `queue`/,
    );
    await queue.shutdown();
  });
});

describe('handleShutdownSignals', () => {
  it('runs the shutdown once, removes its listener, and leaves the process alone when others listen', async () => {
    const other = vi.fn();
    process.on('SIGUSR2', other);
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    let done!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((resolve) => (done = resolve)));
    handleShutdownSignals(shutdown, ['SIGUSR2']);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(process.listenerCount('SIGUSR2')).toBe(2);
    done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(process.listenerCount('SIGUSR2')).toBe(1);
    expect(kill).not.toHaveBeenCalled();
    process.off('SIGUSR2', other);
    kill.mockRestore();
  });

  it('re-raises the signal after the shutdown when it was the only listener', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    handleShutdownSignals(() => Promise.resolve(), ['SIGUSR2']);
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGUSR2');
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    kill.mockRestore();
  });
});
