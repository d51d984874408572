// The worker thread of `WorkerHttpTransport`: owns one `HttpSession` (its undici pool, login and token) and posts the
// bodies the main thread hands it. Not part of the public API; started by `http-worker.ts`.
import { parentPort, workerData } from 'node:worker_threads';
import { HttpSession } from '../client/http-session.js';
import { HttpConfig, type HttpConfigOptions } from './http-config.js';
import {
  serializeDeliveryError,
  type WorkerReady,
  type WorkerReply,
  type WorkerRequest,
} from './http-worker-protocol.js';

const port = parentPort;
if (port === null)
  throw new Error('http-worker-entry runs only as a worker thread (started by WorkerHttpTransport)');

// The environment was already applied on the main thread: the options are complete.
const session = new HttpSession(new HttpConfig(workerData as HttpConfigOptions, {}));

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'close') {
    void session.close().finally(() => port.close());
    return;
  }
  session.send('POST', 'message', { body: message.body }).then(
    () => port.postMessage({ id: message.id } satisfies WorkerReply),
    (err: unknown) =>
      port.postMessage({ id: message.id, error: serializeDeliveryError(err) } satisfies WorkerReply),
  );
});
port.postMessage({ ready: true } satisfies WorkerReady);
