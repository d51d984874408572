/**
 * Three real `scouter-server` processes on one PostgreSQL database, one of them SIGKILLed while it holds a drift job
 * (its alert insert is held on a table lock, so the kill lands mid-job for certain): every scheduled check still runs
 * exactly once per tick (no duplicate alert, no tick without one), every record sent to any instance is stored once,
 * and retention started on two instances at once deletes each expired record once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileJson, profileRequest, record } from '../../packages/server/src/testing/fixtures.js';
import {
  type TestPostgres,
  postgresUnavailableReason,
  startPostgres,
} from '../../packages/server/src/testing/postgres.js';
import { type ServerProcess, killAll, serverProcess, until } from './processes.js';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the multi-instance process test: ${unavailable}`);

const TICK_S = 4;
const SCHEDULE = `*/${TICK_S} * * * * *`;
const PROFILES = ['m0', 'm1', 'm2', 'm3'];
const INSTANCES = ['a', 'b', 'c'];

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/scouter/auth/login`, {
    headers: { username: 'admin', password: 'admin' },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return `Bearer ${((await res.json()) as { token: string }).token}`;
}

async function post(base: string, token: string, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(unavailable !== null)('several scouter-server processes on one PostgreSQL', () => {
  let pgServer: TestPostgres;
  let uri: string;
  const servers = new Map<string, ServerProcess>();
  let db: pg.Client;

  beforeAll(async () => {
    pgServer = await startPostgres();
    uri = await pgServer.createDatabase();
    for (const name of INSTANCES) {
      servers.set(
        name,
        await serverProcess(`${uri}?application_name=scouter-${name}`, {
          SCOUTER_POLL_INTERVAL_MS: '200',
          SCOUTER_STALE_JOB_AFTER_MS: '1500',
          LOG_LEVEL: 'info',
        }),
      );
    }
    db = new pg.Client({ connectionString: uri });
    await db.connect();
  });
  afterAll(async () => {
    killAll();
    await db?.end();
    await pgServer?.stop();
  });

  it('runs each check once per tick with an instance killed mid-job, stores every record once, retains once', async () => {
    const a = servers.get('a') as ServerProcess;
    await a.start();
    const baseOf = (s: ServerProcess) => `http://127.0.0.1:${s.port}`;
    const token = await login(baseOf(a));

    // Retention: expired records written through a, then b and c start at once (each runs retention at start-up).
    const expired = Array.from({ length: 40 }, (_, i) =>
      record(new Date(Date.now() - 60 * 86_400_000 + i * 1000).toISOString(), 'old', i, {
        space: 'retention',
      }),
    );
    expect(await post(baseOf(a), token, '/scouter/message', { records: expired })).toBe(200);
    await Promise.all(INSTANCES.slice(1).map((n) => (servers.get(n) as ServerProcess).start()));
    await until('b and c to run retention', () =>
      INSTANCES.slice(1).every((n) => servers.get(n)?.logs.some((l) => l.msg === 'scouter-server started')),
    );
    await sleep(500);
    const deletedByLog = INSTANCES.flatMap((n) => servers.get(n)?.logs ?? [])
      .filter((l) => l.msg === 'deleted custom records past the retention period')
      .reduce((sum, l) => sum + Number(l.deleted), 0);
    const left = await db.query(
      "SELECT COUNT(*)::int AS n FROM scouter.custom_drift WHERE space = 'retention'",
    );
    expect(deletedByLog).toBe(expired.length);
    expect(left.rows[0]).toEqual({ n: 0 });

    // Ingestion through every live instance, one distinct value per record, paused around the kill.
    const live = new Set(INSTANCES);
    let seq = 0;
    let accepted = 0;
    let stop = false;
    let paused = false;
    let inFlight: Promise<unknown> = Promise.resolve();
    const traffic = (async () => {
      for (let round = 0; !stop && round < 1000; round++) {
        if (!paused) {
          const names = [...live];
          const target = servers.get(names[round % names.length] as string) as ServerProcess;
          const records = PROFILES.map((name) =>
            record(new Date().toISOString(), 'mae', 5 + ++seq / 1e6, { space: 'multi', name }),
          );
          inFlight = post(baseOf(target), token, '/scouter/message', { records }).then((status) => {
            if (status === 200) accepted += records.length;
          });
          await inFlight;
        }
        await sleep(100);
      }
    })();
    await sleep(300);
    const conditions = { mae: { alert_threshold: 'Above', alert_threshold_value: 0.5 } };
    for (const name of PROFILES) {
      const profile = profileJson({
        space: 'multi',
        name,
        schedule: SCHEDULE,
        metrics: { mae: 1 },
        conditions,
      });
      expect(
        await post(baseOf(a), token, '/scouter/profile', profileRequest(profile, { active: true })),
      ).toBe(200);
    }

    // After the first tick, hold every alert insert on a lock and kill the instance whose job is waiting on it.
    await until(
      'a first tick of alerts',
      async () => {
        const r = await db.query("SELECT COUNT(*)::int AS n FROM scouter.drift_alert WHERE space = 'multi'");
        return (r.rows[0] as { n: number }).n >= PROFILES.length;
      },
      30_000,
      200,
    );
    const locker = new pg.Client({ connectionString: uri });
    await locker.connect();
    let killed = '';
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE scouter.drift_alert IN ACCESS EXCLUSIVE MODE');
      await until(
        'a drift job to wait on the lock',
        async () => {
          const r = await db.query(
            "SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'scouter-%' AND query ILIKE '%drift_alert%'",
          );
          killed = String(
            (r.rows[0] as { application_name?: string } | undefined)?.application_name ?? '',
          ).slice('scouter-'.length);
          return killed !== '';
        },
        15_000,
        50,
      );
      paused = true;
      await inFlight;
      live.delete(killed);
      await servers.get(killed)?.stop('SIGKILL');
      paused = false;
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const killedAt = Date.now();

    // One more tick, then stop sending and let the last tick's jobs finish.
    await sleep(TICK_S * 1000 + 500);
    stop = true;
    await traffic;
    const end = Date.now();
    await sleep(1000);

    const stored = await db.query(
      "SELECT COUNT(*)::int AS n, COUNT(DISTINCT (name, value))::int AS d FROM scouter.custom_drift WHERE space = 'multi'",
    );
    expect(stored.rows[0]).toEqual({ n: accepted, d: accepted });

    const alerts = await db.query(
      "SELECT name, EXTRACT(EPOCH FROM created_at)::float8 AS t FROM scouter.drift_alert WHERE space = 'multi' ORDER BY created_at",
    );
    const rows = alerts.rows as Array<{ name: string; t: number }>;
    const tickOf = (t: number) => Math.floor(t / TICK_S);
    const lastTick = tickOf(end / 1000);
    for (const name of PROFILES) {
      const ticks = rows.filter((r) => r.name === name).map((r) => tickOf(r.t));
      const first = ticks[0] as number;
      const expected = Array.from({ length: lastTick - first + 1 }, (_, i) => first + i);
      expect({ name, ticks: ticks.filter((t) => t <= lastTick) }).toEqual({ name, ticks: expected });
    }
    const killedTick = tickOf(killedAt / 1000);
    expect(rows.filter((r) => tickOf(r.t) === killedTick)).toHaveLength(PROFILES.length);
    console.log(
      `multi-instance: 3 instances, ${killed} SIGKILLed mid-job; ${accepted} records sent / ${Number((stored.rows[0] as { n: number }).n)} stored; ` +
        `${rows.length} alerts over ${PROFILES.length} profiles, one per tick; retention deleted ${deletedByLog} of ${expired.length} expired`,
    );
  }, 90_000);
});
