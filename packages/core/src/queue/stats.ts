/** Why data was dropped; every drop is counted under exactly one reason. */
export interface DroppedCounts {
  /** Metric values whose name is not in the profile (counted per value). */
  unknownMetric: number;
  /** Metric values that are not finite numbers, or a batch mean that overflowed (counted per value). */
  invalidValue: number;
  /** Metric values inserted after `shutdown()` (counted per value). */
  afterShutdown: number;
  /** Records of batches evicted because the buffer was full (oldest first). */
  bufferFull: number;
  /** Records of batches the receiver refused with a non-retryable error (e.g. 400, 401, 403, 422). */
  rejected: number;
  /** Records of batches that still failed after `maxRetries` retries. */
  retriesExhausted: number;
  /** Records still undelivered when `shutdown()`'s deadline passed (reported as `pending` by shutdown). */
  shutdownTimeout: number;
}

/** Counters of a `ScouterQueue`, from `queue.stats()`. */
export interface QueueStats {
  /** `insert()` calls accepted (before shutdown), over all aliases. */
  inserted: number;
  /** Records delivered. */
  recordsSent: number;
  /** Request bodies delivered (with coalescing, one body holds the records of several batches). */
  batchesSent: number;
  /** Retry attempts made. */
  retries: number;
  /** Dropped data by reason. */
  dropped: DroppedCounts;
  /** Records waiting for delivery (queued, in flight or waiting for a retry). */
  bufferedRecords: number;
  /** Bytes of the bodies waiting for delivery. */
  bufferedBytes: number;
  /** Batches waiting for delivery: request bodies (coalesced, queued, in flight or waiting for a retry) plus cut batches still lingering. */
  bufferedBatches: number;
}

/** What `flush()` and `shutdown()` report, in records. */
export interface FlushResult {
  /** Records delivered among those the call waited for. */
  sent: number;
  /** Records dropped among those the call waited for (rejected, out of retries, evicted). */
  dropped: number;
  /** Records still undelivered when the call returned (only with a deadline). */
  pending: number;
}

/** Mutable counters shared by the queue parts (`inserted` is counted by each `Queue`). */
export interface Counters {
  recordsSent: number;
  batchesSent: number;
  retries: number;
  dropped: DroppedCounts;
}

/** Fresh zeroed counters. */
export function createCounters(): Counters {
  return {
    recordsSent: 0,
    batchesSent: 0,
    retries: 0,
    dropped: {
      unknownMetric: 0,
      invalidValue: 0,
      afterShutdown: 0,
      bufferFull: 0,
      rejected: 0,
      retriesExhausted: 0,
      shutdownTimeout: 0,
    },
  };
}
