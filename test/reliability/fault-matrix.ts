/**
 * The fault matrix, for one adapter: a real inference service process (service-child.ts) sends through the
 * scouter-ts queue to a real scouter-server process on SQLite, through a fault-injecting proxy. Each row injects one
 * fault under load and asserts exact counts from three sides: the requests the service accepted, the queue's own
 * counters (`stats()`, read from the service), and the rows the server stored (read from its SQLite file). Every
 * request inserts a distinct value, so a lost record is a missing value and a duplicated one a value stored twice.
 * The rows are printed as a table (docs/reliability.md quotes a run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  AlertThreshold,
  type QueueStats,
} from '@scouter-ts/core';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import {
  type ServerProcess,
  type ServiceProcess,
  killAll,
  sendTraffic,
  serverProcess,
  serviceProcess,
  storedSeqs,
  until,
} from './processes.js';

/** Queue options of the services: short linger and backoff so each row takes about a second. */
const QUEUE_OPTIONS = { sendLingerMs: 20, retryBaseMs: 100, retryMaxMs: 500, maxRetries: 60, concurrency: 2 };
/** The services' HTTP timeout; the slow-server row answers later than this. */
const HTTP_TIMEOUT_MS = 600;
const LOAD = 300;
const CONCURRENCY = 8;

/** One printed row. */
export interface FaultRow {
  adapter: string;
  fault: string;
  action: string;
  sent: number;
  stored: number;
  dropped: number;
  duplicated: number;
  result: string;
}

const droppedTotal = (s: { dropped: object }): number =>
  (Object.values(s.dropped) as number[]).reduce((a, b) => a + b, 0);

function delta(after: QueueStats, before: QueueStats | undefined) {
  const b = before ?? {
    inserted: 0,
    recordsSent: 0,
    retries: 0,
    dropped: { bufferFull: 0 } as QueueStats['dropped'],
  };
  return {
    inserted: after.inserted - b.inserted,
    recordsSent: after.recordsSent - b.recordsSent,
    retries: after.retries - b.retries,
    dropped: droppedTotal(after) - (before ? droppedTotal(before) : 0),
    bufferFull: after.dropped.bufferFull - (before?.dropped.bufferFull ?? 0),
  };
}

/** Declares the fault matrix suite for `adapter`. */
export function faultMatrix(adapter: 'express' | 'fastify'): void {
  describe(`fault matrix through the ${adapter} adapter (real processes on loopback)`, () => {
    const rows: FaultRow[] = [];
    let dir: string;
    let db: string;
    let profile: string;
    let server: ServerProcess;
    let proxy: FaultProxy;
    let service: ServiceProcess;
    let nextSeq = 1;

    const range = (n: number) => {
      const seqs = Array.from({ length: n }, (_, i) => nextSeq + i);
      nextSeq += n;
      return seqs;
    };
    const startService = (queueOptions: Record<string, unknown> = {}) =>
      serviceProcess(adapter, {
        profile,
        scouterUri: proxy.url,
        queueOptions: { ...QUEUE_OPTIONS, ...queueOptions },
        httpTimeoutMs: HTTP_TIMEOUT_MS,
      });
    const drained = (svc: ServiceProcess, inserted: number, before?: QueueStats) =>
      until(
        'the queue to drain',
        async () => {
          const s = await svc.stats();
          return s.bufferedRecords === 0 && delta(s, before).inserted === inserted;
        },
        30_000,
      );

    /** Checks and records a row: every value sent stored exactly once, or the stated drops. */
    function record(
      fault: string,
      action: string,
      seqs: number[],
      counted: { inserted: number; recordsSent: number; dropped: number },
      expectDropped = 0,
    ): { stored: Map<number, number> } {
      const from = seqs[0] ?? 0;
      const stored = storedSeqs(db, from, from + seqs.length);
      const rowsStored = [...stored.values()].reduce((a, b) => a + b, 0);
      const duplicated = rowsStored - stored.size;
      rows.push({
        adapter,
        fault,
        action,
        sent: counted.inserted,
        stored: stored.size,
        dropped: counted.dropped,
        duplicated,
        result: '',
      });
      const row = rows[rows.length - 1] as FaultRow;
      expect({ fault, duplicated }).toEqual({ fault, duplicated: 0 });
      expect({ fault, sentIsStoredPlusDropped: counted.inserted }).toEqual({
        fault,
        sentIsStoredPlusDropped: stored.size + counted.dropped,
      });
      expect({ fault, dropped: counted.dropped }).toEqual({ fault, dropped: expectDropped });
      expect({ fault, recordsSent: counted.recordsSent }).toEqual({ fault, recordsSent: stored.size });
      row.result = 'pass';
      return { stored };
    }

    /** Sends a load through the long-lived service with `inject` set up, and checks 0 lost / 0 duplicated. */
    async function lossless(
      fault: string,
      action: string,
      inject: () => void | Promise<void>,
      opts: { onProgress?: (done: number) => void | Promise<void>; whileSending?: () => Promise<void> } = {},
    ): Promise<void> {
      proxy.reset();
      const before = await service.stats();
      await inject();
      const seqs = range(LOAD);
      const [accepted] = await Promise.all([
        sendTraffic(service.url, seqs, CONCURRENCY, opts.onProgress),
        opts.whileSending?.(),
      ]);
      expect(accepted).toEqual(seqs);
      await drained(service, LOAD, before);
      const d = delta(await service.stats(), before);
      proxy.reset();
      record(fault, action, seqs, d);
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `scouter-faults-${adapter}-`));
      db = join(dir, 'scouter.db');
      const metrics = [
        new CustomMetric({
          name: 'seq',
          value: 0,
          alertThreshold: AlertThreshold.Above,
          alertThresholdValue: 1e12,
        }),
      ];
      const config = new CustomMetricDriftConfig({
        space: 'faults',
        name: adapter,
        version: '1.0.0',
        sampleSize: 1,
        alertConfig: new CustomMetricAlertConfig({}),
      });
      profile = Drifter.createDriftProfile(metrics, config).save(join(dir, 'profile.json'));
      server = await serverProcess(db);
      await server.start();
      proxy = await startFaultProxy(server.port);
      service = await startService();
    });
    afterAll(async () => {
      killAll();
      await proxy?.close();
      if (rows.length > 0) {
        const lines = rows.map(
          (r) =>
            `| ${r.adapter} | ${r.fault} | ${r.action} | ${r.sent} | ${r.stored} | ${r.dropped} | ${r.duplicated} | ${r.result} |`,
        );
        console.log(
          [
            `fault matrix (${adapter})`,
            '| adapter | fault | what was done | sent | stored | dropped | duplicated | result |',
            '|---|---|---|---|---|---|---|---|',
            ...lines,
          ].join('\n'),
        );
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('no fault (baseline)', async () => {
      await lossless('none', `${LOAD} requests, ${CONCURRENCY} at a time`, () => undefined);
    });

    it('500 answers', async () => {
      await lossless('HTTP 500', 'proxy answers the first 5 record requests with 500', () => {
        proxy.fault = (n) =>
          n <= 5
            ? { kind: 'answer', status: 500, body: { error: 'Internal server error' } }
            : { kind: 'pass' };
      });
    });

    it('429 with Retry-After', async () => {
      let arrivals: FaultProxy['arrivals'] = [];
      await lossless(
        'HTTP 429 + Retry-After: 1',
        'proxy answers the first 2 record requests 429, Retry-After 1 s',
        () => {
          proxy.fault = (n) =>
            n <= 2
              ? {
                  kind: 'answer',
                  status: 429,
                  headers: { 'retry-after': '1' },
                  body: { error: 'Too many requests' },
                }
              : { kind: 'pass' };
        },
        {
          whileSending: async () => {
            await until('the retries after Retry-After', () => proxy.counts.recordRequests > 4, 10_000);
            await sleep(1200);
            arrivals = [...proxy.arrivals];
          },
        },
      );
      for (const first of arrivals.slice(0, 2)) {
        const retry = arrivals.find((a) => a.body === first.body && a.at > first.at);
        expect(retry, 'the refused body was sent again').toBeDefined();
        expect((retry?.at ?? 0) - first.at).toBeGreaterThanOrEqual(950);
      }
    });

    it('401 on token expiry', async () => {
      await lossless(
        'HTTP 401 (token expired)',
        'proxy answers the first record request 401; the client logs in again',
        () => {
          proxy.fault = (n) =>
            n === 1
              ? {
                  kind: 'answer',
                  status: 401,
                  body: { error: 'Unauthorized', message: 'Invalid token format' },
                }
              : { kind: 'pass' };
        },
      );
      expect(rows.at(-1)?.stored).toBe(LOAD);
    });

    it('slow server: answers after the client timeout (stored, then retried)', async () => {
      let delayed = 0;
      await lossless(
        'slow server (answer after timeout)',
        `server stores the first 3 bodies but the proxy answers 1500 ms later (client timeout ${HTTP_TIMEOUT_MS} ms)`,
        () => {
          proxy.fault = (n) => (n <= 3 ? { kind: 'delay', ms: 1500 } : { kind: 'pass' });
        },
        {
          whileSending: async () => {
            await until('three delayed answers', () => proxy.counts.delayed >= 3, 10_000);
            delayed = proxy.counts.delayed;
          },
        },
      );
      expect(delayed).toBe(3);
    });

    it('lost answer: stored, connection reset before the answer', async () => {
      let lost = 0;
      await lossless(
        'answer lost',
        'server stores the first 3 bodies, the proxy resets the connection instead of answering',
        () => {
          proxy.fault = (n) => (n <= 3 ? { kind: 'loseAnswer' } : { kind: 'pass' });
        },
        {
          whileSending: async () => {
            await until('three lost answers', () => proxy.counts.lostAnswers >= 3, 10_000);
            lost = proxy.counts.lostAnswers;
          },
        },
      );
      expect(lost).toBe(3);
    });

    it('server down for a while, then back', async () => {
      await lossless(
        'server down 1.5 s',
        'scouter-server stopped (SIGTERM) before the load, started again 1.5 s later',
        () => server.stop('SIGTERM'),
        {
          whileSending: async () => {
            await sleep(1500);
            await server.start();
          },
        },
      );
    });

    it('server restart mid-batch (SIGKILL)', async () => {
      let restart: Promise<void> | undefined;
      await lossless(
        'server killed mid-load',
        'scouter-server SIGKILLed after half the requests, started again',
        () => undefined,
        {
          onProgress: (done) => {
            if (done === LOAD / 2) restart = server.stop('SIGKILL').then(() => server.start());
          },
          whileSending: async () => {
            await until('the restart', () => restart !== undefined, 20_000);
            await restart;
          },
        },
      );
    });

    it('buffer cap: drops only past the cap, counted', async () => {
      const capped = await startService({ maxBufferedRecords: 100, maxRecordsPerSend: 20 });
      try {
        await server.stop('SIGTERM');
        const seqs = range(LOAD);
        const accepted = await sendTraffic(capped.url, seqs, CONCURRENCY);
        expect(accepted).toEqual(seqs);
        const full = await capped.stats();
        expect(full.inserted).toBe(LOAD);
        expect(full.bufferedRecords).toBeLessThanOrEqual(100);
        expect(full.dropped.bufferFull).toBe(LOAD - full.bufferedRecords - full.recordsSent);
        await server.start();
        await drained(capped, LOAD);
        const d = delta(await capped.stats(), undefined);
        expect(d.dropped).toBe(d.bufferFull);
        const { stored } = record(
          'server down, load past the buffer cap',
          `maxBufferedRecords 100, ${LOAD} requests while scouter-server is stopped, then started`,
          seqs,
          d,
          d.bufferFull,
        );
        expect(stored.size).toBeLessThanOrEqual(100);
        expect(Math.min(...stored.keys())).toBeGreaterThan(seqs[0] as number);
      } finally {
        await capped.kill();
      }
    });

    it('SIGTERM of the service mid-load: the final flush delivers everything accepted', async () => {
      const svc = await startService();
      const seqs = range(LOAD);
      let terminated: Promise<Awaited<ReturnType<ServiceProcess['terminate']>>> | undefined;
      const accepted = await sendTraffic(svc.url, seqs, CONCURRENCY, (done) => {
        if (done === LOAD / 2) terminated = svc.terminate();
      });
      const { final, shutdown } = await (terminated as NonNullable<typeof terminated>);
      expect(accepted.length).toBeGreaterThanOrEqual(LOAD / 2);
      expect(final.inserted).toBeGreaterThanOrEqual(accepted.length);
      expect(shutdown.pending).toBe(0);
      expect(final.bufferedRecords).toBe(0);
      const { stored } = record(
        'SIGTERM of the service mid-load',
        'service SIGTERMed after half the answers; requests after that are refused',
        seqs,
        delta(final, undefined),
      );
      for (const seq of accepted) expect(stored.get(seq)).toBe(1);
    });

    it('SIGKILL of the service: only the unsent buffer is lost, and the counters say how much', async () => {
      const svc = await startService();
      proxy.reset();
      proxy.fault = (n) => (n <= 3 ? { kind: 'pass' } : { kind: 'hang' });
      try {
        const seqs = range(LOAD);
        const accepted = await sendTraffic(svc.url, seqs, CONCURRENCY);
        expect(accepted).toEqual(seqs);
        let last = '';
        await until(
          'the counters to settle',
          async () => {
            // Hung bodies time out and are retried, so only `retries` still moves once everything is buffered.
            const { retries: _moving, ...counts } = await svc.stats();
            const now = JSON.stringify(counts);
            const settled = now === last && counts.inserted === LOAD;
            last = now;
            return settled;
          },
          10_000,
          200,
        );
        const atKill = JSON.parse(last) as Omit<QueueStats, 'retries'>;
        await svc.kill();
        expect(atKill.inserted).toBe(LOAD);
        expect(droppedTotal(atKill)).toBe(0);
        expect(atKill.recordsSent + atKill.bufferedRecords).toBe(LOAD);
        const from = seqs[0] as number;
        const stored = storedSeqs(db, from, from + LOAD);
        rows.push({
          adapter,
          fault: 'SIGKILL of the service',
          action: 'server stops answering after 3 bodies, service SIGKILLed with the rest buffered',
          sent: LOAD,
          stored: stored.size,
          dropped: LOAD - stored.size,
          duplicated: [...stored.values()].reduce((a, b) => a + b, 0) - stored.size,
          result: '',
        });
        expect(stored.size).toBe(atKill.recordsSent);
        expect(LOAD - stored.size).toBe(atKill.bufferedRecords);
        expect(rows.at(-1)?.duplicated).toBe(0);
        (rows.at(-1) as FaultRow).result = `pass: lost ${LOAD - stored.size} = bufferedRecords at the kill`;
      } finally {
        proxy.reset();
        await svc.kill();
      }
    });
  });
}
