/**
 * The `protocol` option of the broker configs, on the real brokers: a queue publishing Scouter v0.25 records (by uid)
 * and one publishing v0.13 records (by space/name/version) to the same profile through each broker; scouter-server's
 * consumer stores both in one series, which the drift query shows in either dialect.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ScouterClient, ScouterQueue } from '@scouter-ts/core';
import { type ScouterHarness, maeProfile, profileKey, startScouter, waitFor } from '../e2e/harness.js';
import { BROKER_CASES, brokerUrl } from './brokers.js';
import { captureRedis, drainRabbitMQ, readKafka } from './capture.js';

/** The bodies `publish` puts on `destination` (a channel / queue / topic no server consumes), as UTF-8 text. */
async function published(
  kind: keyof typeof BROKER_CASES,
  address: string,
  destination: string,
  publish: () => Promise<void>,
): Promise<string[]> {
  if (kind === 'redis') {
    const capture = await captureRedis(address, destination);
    try {
      await publish();
      // PUBLISH answers before the subscriber's connection has read the message.
      await waitFor('the published message', async () => capture.messages.length > 0);
      return capture.messages.map((m) => m.toString('utf8'));
    } finally {
      await capture.close();
    }
  }
  await publish();
  const messages =
    kind === 'rabbitmq'
      ? (await drainRabbitMQ(address, destination)).map((m) => m.content)
      : (await readKafka(address, destination, 1)).map((m) => m.value);
  return messages.map((m) => m.toString('utf8'));
}

let h: ScouterHarness | undefined;
let latest: ScouterClient | undefined;
afterEach(async () => {
  await latest?.close();
  latest = undefined;
  await h?.close();
  h = undefined;
});

describe.each(Object.keys(BROKER_CASES) as Array<keyof typeof BROKER_CASES>)('over %s', (kind) => {
  const url = brokerUrl(kind);

  it.skipIf(url === null)(
    "protocol 'v0.25' publishes records by uid, 'v0.13' by name; the consumer stores both in one series",
    async () => {
      const address = url as string;
      const name = `protocols-${kind}-${randomUUID()}`;
      const broker = BROKER_CASES[kind];
      h = await startScouter(broker.server(address, name));
      latest = new ScouterClient(h.transport.with({ protocol: 'v0.25' }));
      const profile = maeProfile('brokers', kind);
      const { uid } = await latest.registerProfile(profile, { setActive: true });
      expect(profile.config.uid).toBe(uid);

      // On the wire: v0.25's record, naming the profile by uid only.
      const raw = await published(kind, address, `${name}-raw`, async () => {
        const q = await ScouterQueue.fromProfiles(
          { m: profile },
          broker.config(address, `${name}-raw`, 'v0.25'),
        );
        q.insert('m', { mae: 2 });
        q.insert('m', { mae: 4 });
        expect(await q.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
      });
      expect(raw).toHaveLength(1);
      const body = JSON.parse(raw[0] as string) as { records: { Custom: Record<string, unknown> }[] };
      expect(body.records).toEqual([
        { Custom: { created_at: expect.any(String), uid, metric: 'mae', value: 3, entity_id: 0 } },
      ]);

      const v025 = broker.config(address, name, 'v0.25');
      const v013 = broker.config(address, name);
      expect([v025.protocol, v013.protocol]).toEqual(['v0.25', 'v0.13']);
      const q25 = await ScouterQueue.fromProfiles({ m: profile }, v025, { retryBaseMs: 50 });
      const q13 = await ScouterQueue.fromProfiles({ m: profile }, v013, { retryBaseMs: 50 });
      q25.insert('m', { mae: 2 });
      q25.insert('m', { mae: 4 });
      q13.insert('m', { mae: 6 });
      q13.insert('m', { mae: 8 });
      expect(await q25.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
      expect(await q13.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });

      // Both batch means (3 and 7) in one bin, seen by a v0.25 client (by uid) and a v0.13 one (by name).
      const query = { ...profileKey(profile), timeInterval: 'FifteenMinutes', maxDataPoints: 1 } as const;
      const mean = async (client: ScouterClient) =>
        (await client.getBinnedDrift(query)).get('mae')?.stats[0]?.avg;
      await waitFor('both batches stored', async () => (await mean(h!.client)) === 5, { timeoutMs: 20_000 });
      expect(await mean(latest)).toBe(5);
    },
  );
});
