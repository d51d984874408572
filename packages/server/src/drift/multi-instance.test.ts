import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { postgresUnavailableReason, startPostgres } from '../testing/postgres.js';
import type { TestPostgres } from '../testing/postgres.js';
import { TestClock, login, profileJson, profileRequest, record, testServer } from '../testing/harness.js';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the multi-instance PostgreSQL test: ${unavailable}`);

describe.skipIf(unavailable !== null)('two server instances on one PostgreSQL', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('run each due job exactly once', async () => {
    const uri = await pg.createDatabase();
    const clock = new TestClock('2025-11-24T16:00:30Z');
    const printedA: string[] = [];
    const printedB: string[] = [];
    const [a, b] = await Promise.all([
      testServer({ databaseUri: uri, now: clock.now, consoleWrite: (t) => printedA.push(t) }),
      testServer({ databaseUri: uri, now: clock.now, consoleWrite: (t) => printedB.push(t) }),
    ]);
    const apps: ScouterServer[] = [a, b];
    try {
      const admin = await login(a);
      const names = Array.from({ length: 8 }, (_, i) => `model${i}`);
      for (const name of names) {
        const profile = profileJson({
          name,
          metrics: { mae: 1 },
          conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: null } },
        });
        const res = await b.inject({
          method: 'POST',
          url: '/scouter/profile',
          headers: { authorization: admin },
          payload: profileRequest(profile, { active: true }),
        });
        expect(res.statusCode).toBe(200);
      }
      const ranBy = new Map<string, number>();
      for (const [i, at] of [
        '2025-11-24T16:01:01Z',
        '2025-11-24T16:02:01Z',
        '2025-11-24T16:03:01Z',
      ].entries()) {
        const records = names.map((name) => record(`2025-11-24T16:0${i}:45Z`, 'mae', 5, { name }));
        const res = await a.inject({
          method: 'POST',
          url: '/scouter/message',
          headers: { authorization: admin },
          payload: { records },
        });
        expect(res.statusCode).toBe(200);
        clock.set(at);
        const results = (
          await Promise.all(apps.map((app) => app.scouterServer.scheduler.runDueJobs()))
        ).flat();
        expect(results).toHaveLength(names.length);
        for (const r of results) ranBy.set(`${i}:${r.uid}`, (ranBy.get(`${i}:${r.uid}`) ?? 0) + 1);
      }
      expect([...ranBy.values()].every((count) => count === 1)).toBe(true);
      expect(ranBy.size).toBe(3 * names.length);
      expect(printedA.length + printedB.length).toBe(3 * names.length);
      for (const name of names) {
        const alerts = await a.scouterServer.storage.getAlerts({ space: 'scouter', name, version: '0.1.0' });
        expect(alerts).toHaveLength(3);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
