// Child process for the handleSignals test: an Express app with the middleware, listening on port 0.
import type { AddressInfo } from 'node:net';
import { HttpConfig } from '@scouter-ts/core';
import express from 'express';
import { scouter } from '../index.js';

const env = process.env;
const mw = scouter({
  profiles: { model: env.PROFILE ?? '' },
  transport: new HttpConfig({ serverUri: env.SINK_URL ?? '', username: 'admin', password: 'admin' }),
  handleSignals: env.HANDLE_SIGNALS === '1',
});
const app = express();
app.use(express.json());
app.use(mw);
app.post('/predict', (req, res) => {
  req.scouter.insert({ mae: (req.body as { x: number }).x });
  res.json({ ok: true });
});
if (env.OWN_HANDLER === '1') {
  // The application's own handler: waits a little (as apps draining connections do), then exits with code 3.
  process.on('SIGTERM', () => setTimeout(() => process.exit(3), 500));
}
await mw.ready();
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
