/**
 * What every broker consumer does with one message: the body Scouter's producers publish (`{"records":[…]}`, §3) is
 * validated exactly like `POST /scouter/message` and stored with the storage's idempotent insert. Only once this
 * resolves may the consumer ack / commit, so a crash before that redelivers the message and the unique key stores it
 * once.
 */
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../errors.js';
import { parseRecordRows } from '../routes/records.js';
import type { Storage } from '../storage/types.js';

/** Scouter's consumers drop messages larger than this (10 MB). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** What became of one message. */
export type IngestOutcome =
  | {
      /** Stored (or already stored: a redelivery): ack it. */
      readonly status: 'stored';
      readonly inserted: number;
      readonly duplicates: number;
    }
  | {
      /** Will never be stored (too large, not JSON, not a `ServerRecords` body): do not redeliver it. */
      readonly status: 'invalid';
      readonly reason: string;
    };

/** Counters of one sink, summed over its consumers' messages. */
export interface ConsumerStats {
  messages: number;
  recordsInserted: number;
  duplicates: number;
  invalid: number;
  storageErrors: number;
}

/** Validates and stores broker messages for one consumer (`source` names it in logs, e.g. `redis`). */
export class RecordSink {
  /** Counters since start. */
  readonly stats: ConsumerStats = {
    messages: 0,
    recordsInserted: 0,
    duplicates: 0,
    invalid: 0,
    storageErrors: 0,
  };
  readonly #storage: Storage;
  readonly #logger: FastifyBaseLogger;
  readonly #source: string;

  constructor(storage: Storage, logger: FastifyBaseLogger, source: string) {
    this.#storage = storage;
    this.#logger = logger;
    this.#source = source;
  }

  /**
   * Validates and stores one message body. Resolves `stored` (ack) or `invalid` (logged; do not redeliver); rejects
   * when storage failed (do not ack: let the broker redeliver it later).
   */
  async ingest(body: Buffer | string): Promise<IngestOutcome> {
    this.stats.messages++;
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (bytes > MAX_MESSAGE_BYTES) {
      return this.#invalid(`message of ${bytes} bytes is larger than the limit of ${MAX_MESSAGE_BYTES}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (err) {
      return this.#invalid(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    let rows;
    try {
      rows = parseRecordRows(json);
    } catch (err) {
      if (err instanceof HttpError) return this.#invalid(err.message);
      throw err;
    }
    if (rows.length === 0) return this.#invalid('the message holds no records');
    try {
      const { inserted, duplicates } = await this.#storage.insertCustomRecords(rows);
      this.stats.recordsInserted += inserted;
      this.stats.duplicates += duplicates;
      return { status: 'stored', inserted, duplicates };
    } catch (err) {
      this.stats.storageErrors++;
      this.#logger.error(
        { err, source: this.#source, records: rows.length },
        'broker message not stored (storage failed); it stays unacknowledged for redelivery',
      );
      throw err;
    }
  }

  #invalid(reason: string): IngestOutcome {
    this.stats.invalid++;
    this.#logger.error(
      { source: this.#source, reason },
      'broker message dropped: it is not a valid ServerRecords body',
    );
    return { status: 'invalid', reason };
  }
}
