// Child process for http-worker.test.ts: publishes one body through a WorkerHttpTransport and then simply ends,
// without close(). The in-flight publish must keep the process alive; the idle worker must not.
import { WorkerHttpTransport } from '../http-worker.js';

const transport = new WorkerHttpTransport({
  serverUri: process.argv[2],
  username: 'admin',
  password: 'admin',
});
await transport.publish(process.argv[3] ?? '');
process.stdout.write(`sent running=${transport.running}\n`);
