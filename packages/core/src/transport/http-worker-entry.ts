// The worker thread of `WorkerHttpTransport`: owns one session (its keep-alive connections, login and token) and posts
// the bodies the main thread hands it. It loads neither zod nor undici (the options were validated on the main thread,
// and node:http serves one origin as well): an idle isolate this small is cheap for V8 to collect. Not part of the
// public API; started by `http-worker.ts`.
import { parentPort, workerData } from 'node:worker_threads';
import { NodeHttpExchange } from '../client/node-http-exchange.js';
import { SessionCore, type SessionSettings } from '../client/session-core.js';
import {
  serializeDeliveryError,
  type WorkerReady,
  type WorkerReply,
  type WorkerRequest,
} from './http-worker-protocol.js';

const port = parentPort;
if (port === null)
  throw new Error('http-worker-entry runs only as a worker thread (started by WorkerHttpTransport)');

const settings = workerData as SessionSettings;
const session = new SessionCore(settings, (origin) => new NodeHttpExchange(origin, settings.connections));

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
