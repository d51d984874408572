import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite.js';
import { MAX_MESSAGE_BYTES, RecordSink } from './record-sink.js';

const record = (value: number, createdAt = '2030-01-01T00:00:00.000001Z') => ({
  Custom: { created_at: createdAt, space: 's', name: 'n', version: '1.0.0', metric: 'mae', value },
});

describe('RecordSink', () => {
  let storage: SqliteStorage;
  let sink: RecordSink;
  const logged: string[] = [];
  beforeEach(async () => {
    storage = new SqliteStorage({ filename: ':memory:' });
    await storage.init();
    logged.length = 0;
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    sink = new RecordSink(storage, logger, 'test');
  });
  afterEach(() => storage.close());

  it('stores a ServerRecords body (Buffer or string); a redelivery is a duplicate, not a second row', async () => {
    const body = JSON.stringify({ records: [record(1.5), record(2, '2030-01-01T00:00:00.000002Z')] });
    expect(await sink.ingest(Buffer.from(body))).toEqual({ status: 'stored', inserted: 2, duplicates: 0 });
    expect(await sink.ingest(body)).toEqual({ status: 'stored', inserted: 0, duplicates: 2 });
    expect(sink.stats).toEqual({
      messages: 2,
      recordsInserted: 2,
      duplicates: 2,
      invalid: 0,
      storageErrors: 0,
    });
  });

  it('answers invalid for what can never be stored, with the same messages as POST /scouter/message, and logs it', async () => {
    const outcomes = [
      await sink.ingest('not json'),
      await sink.ingest(JSON.stringify({ records: [{ Custom: { ...record(1).Custom, value: 'x' } }] })),
      await sink.ingest(JSON.stringify({ records: [{ Psi: {} }] })),
      await sink.ingest(JSON.stringify({ records: [] })),
      await sink.ingest(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 32)),
    ];
    expect(outcomes.map((o) => o.status)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    const reasons = outcomes.map((o) => (o.status === 'invalid' ? o.reason : ''));
    expect(reasons[0]).toMatch(/^not JSON: /);
    expect(reasons[1]).toMatch(
      /^Failed to deserialize the JSON body into the target type: records\.0\.Custom\.value/,
    );
    expect(reasons[2]).toMatch(/Psi records are not supported/);
    expect(reasons[3]).toBe('the message holds no records');
    expect(reasons[4]).toMatch(/larger than the limit of 10485760/);
    expect(sink.stats.invalid).toBe(5);
    expect(logged).toHaveLength(5);
  });

  it('rejects when storage fails, so the consumer does not ack', async () => {
    await storage.close();
    await expect(sink.ingest(JSON.stringify({ records: [record(1)] }))).rejects.toThrow();
    expect(sink.stats.storageErrors).toBe(1);
    storage = new SqliteStorage({ filename: ':memory:' });
  });
});
