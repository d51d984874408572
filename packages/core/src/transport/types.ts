/**
 * The contract between the queue and whatever carries its batches to Scouter (HTTP today; Redis, RabbitMQ, Kafka
 * later). The queue owns batching, buffering and retries; a transport only delivers one body once.
 */
export interface Transport {
  /** Short name of the transport, e.g. `'http'` or `'mock'`; used in logs and stats. */
  readonly kind: string;
  /**
   * Delivers one batch: `body` is the exact JSON text of a `ServerRecords` envelope (`{"records":[…]}`).
   * Resolves once the receiver accepted it. Rejects with a `ScouterError` whose `retryable: boolean` tells the
   * queue whether the same body may be sent again (network errors, timeouts, 408/429/5xx) and whose optional
   * `retryAfterMs` is the receiver's requested delay (`Retry-After`). Any other rejection is treated as
   * non-retryable. A retried body is byte-identical, so delivery is idempotent on the server.
   */
  publish(body: string): Promise<void>;
  /** Releases connections; called once by `ScouterQueue.shutdown()` after the final flush. */
  close(): Promise<void>;
}
