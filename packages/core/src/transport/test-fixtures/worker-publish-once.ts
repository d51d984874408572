// Child process for http-worker.test.ts: publishes one body through a WorkerHttpTransport and then simply ends,
// without close(). The in-flight publish (in the worker, once it is ready) must keep the process alive; the idle
// worker must not.
import { WorkerHttpTransport } from '../http-worker.js';

const transport = new WorkerHttpTransport({
  serverUri: process.argv[2],
  username: 'admin',
  password: 'admin',
});
if (!(await transport.whenReady())) throw new Error('the delivery worker did not start');
await transport.publish(process.argv[3] ?? '');
process.stdout.write(`sent running=${transport.running}\n`);
