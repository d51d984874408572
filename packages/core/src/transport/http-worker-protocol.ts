// Messages between `WorkerHttpTransport` and its worker thread, and how a delivery error crosses the thread boundary
// (structured clone keeps only an Error's name and message; the queue needs `retryable` and `retryAfterMs`).
import {
  ScouterAuthError,
  ScouterError,
  ScouterErrorCode,
  ScouterHttpError,
  ScouterNetworkError,
  ScouterTimeoutError,
} from '../errors.js';

/**
 * Main thread -> worker. A body travels as UTF-8 bytes whose buffer is transferred, not copied: a string would be
 * cloned into the worker's heap (a large object there, for a coalesced body) and encoded again by node:http.
 */
export type WorkerRequest = { type: 'publish'; id: number; body: Uint8Array } | { type: 'close' };

/** A delivery error as plain data. */
export interface SerializedDeliveryError {
  name: string;
  message: string;
  code?: string;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  body?: string;
  method?: string;
  url?: string;
}

/** Worker -> main thread: the outcome of one publish. */
export interface WorkerReply {
  id: number;
  error?: SerializedDeliveryError;
}

/** Worker -> main thread, once its modules loaded: it can take bodies (a worker that dies before never could). */
export interface WorkerReady {
  ready: true;
}

/** The fields of a delivery error that the queue and the logs use. */
export function serializeDeliveryError(err: unknown): SerializedDeliveryError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), retryable: false };
  const fields = err as Error & Partial<ScouterHttpError>;
  return {
    name: err.name,
    message: err.message,
    retryable: fields.retryable === true,
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.retryAfterMs === 'number' ? { retryAfterMs: fields.retryAfterMs } : {}),
    ...(err instanceof ScouterHttpError
      ? { status: err.status, body: err.body, method: err.method, url: err.url }
      : {}),
  };
}

/** The same error class and fields again, on the main thread. */
export function reviveDeliveryError(data: SerializedDeliveryError): ScouterError {
  const options = {
    retryable: data.retryable,
    ...(data.retryAfterMs !== undefined ? { retryAfterMs: data.retryAfterMs } : {}),
  };
  switch (data.name) {
    case 'ScouterHttpError':
      return new ScouterHttpError(
        data.status ?? 0,
        data.body ?? '',
        data.method ?? 'POST',
        data.url ?? '',
        options,
      );
    case 'ScouterAuthError':
      return new ScouterAuthError(data.message, options);
    case 'ScouterTimeoutError':
      return new ScouterTimeoutError(data.message, options);
    case 'ScouterNetworkError':
      return new ScouterNetworkError(data.message, options);
    default: {
      const codes: readonly string[] = Object.values(ScouterErrorCode);
      const code = codes.includes(data.code ?? '')
        ? (data.code as ScouterErrorCode)
        : ScouterErrorCode.Network;
      return new ScouterError(code, data.message, options);
    }
  }
}
