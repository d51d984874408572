// Public API of @scouter-ts/express.
import {
  RequestMonitor,
  type CaptureStats,
  type FlushResult,
  type RequestScouter,
  type ScouterAdapterOptions,
  type ScouterQueue,
} from '@scouter-ts/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Metric values of this request: `req.scouter.insert({ mae: 0.12 })` (set by the scouter middleware). */
      scouter: RequestScouter;
    }
  }
}

/** Options of `scouter()`: core's adapter options, with `shouldRecord` receiving the Express request. */
export type ScouterExpressOptions = ScouterAdapterOptions<Request>;

/** The middleware returned by `scouter()`, with its lifecycle. */
export interface ScouterMiddleware extends RequestHandler {
  /** The queue once it exists: at once when one was given, else after the profiles loaded (see `ready()`). */
  readonly queue: ScouterQueue | undefined;
  /** Resolves with the queue when profiles are loaded; rejects with the load error (e.g. a bad path). */
  ready(): Promise<ScouterQueue>;
  /** Final flush (and shutdown of a queue created here) within `shutdownTimeoutMs`. Idempotent, never rejects. */
  close(): Promise<FlushResult>;
  /** Request-side counters (the queue's are in `queue.stats()`). */
  stats(): CaptureStats;
}

/**
 * Express middleware that captures custom metric values per request and hands them to a `ScouterQueue`: when the
 * response finishes if a profile declares automatic metrics (`latency_ms`, `error`), else as they are inserted.
 * `app.use(scouter({ profiles: { model: 'profile.json' } }))`, then in a handler `req.scouter.insert({ mae: 0.12 })`,
 * or `record({ mae: 0.12 })` anywhere in the request's call tree.
 * Throws `InvalidOptionsError` for bad options; never throws into requests.
 */
export function scouter(options: ScouterExpressOptions | ScouterQueue): ScouterMiddleware {
  const monitor = new RequestMonitor(options, { what: '@scouter-ts/express' });
  let accessorDefined = false;
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const locals = (res.locals ??= Object.create(null) as Response['locals']) as Record<symbol, unknown>;
    if (!monitor.claim(req.app, locals[kCapture])) return next();
    if (!accessorDefined) accessorDefined = defineRequestAccessor(req);
    const capture = monitor.begin(req);
    locals[kCapture] = capture;
    if (capture.needsEnd) res.once('close', () => capture.commit(res.statusCode));
    monitor.run(capture, next);
  };
  return Object.defineProperties(middleware, {
    queue: { get: () => monitor.queue, enumerable: true },
    ready: { value: () => monitor.ready() },
    close: { value: () => monitor.close() },
    stats: { value: () => monitor.stats() },
  }) as ScouterMiddleware;
}

const kCapture = Symbol.for('@scouter-ts/express.capture');

/**
 * `req.scouter` is a getter on Express's shared request prototype reading `res.locals`: adding an own property to
 * `req` costs several microseconds per request in V8 (Express swaps its prototype per request), a locals entry
 * does not. Defined on first use, on the prototype all apps share, so mounted sub-apps see it too.
 */
function defineRequestAccessor(req: Request): true {
  const base = Object.getPrototypeOf((req.app as unknown as { request: object }).request) as object;
  if (Object.getOwnPropertyDescriptor(base, 'scouter') !== undefined) return true;
  Object.defineProperty(base, 'scouter', {
    configurable: true,
    get(this: Request): unknown {
      return (this.res?.locals as Record<symbol, unknown> | undefined)?.[kCapture];
    },
    set(this: Request, value: unknown) {
      Object.defineProperty(this, 'scouter', { value, writable: true, configurable: true, enumerable: true });
    },
  });
  return true;
}

export { record, type RequestScouter, type CaptureStats } from '@scouter-ts/core';
