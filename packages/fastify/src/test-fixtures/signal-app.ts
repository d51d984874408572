// Child process for the handleSignals test: a Fastify app with the plugin, listening on port 0.
import { HttpConfig } from '@scouter-ts/core';
import Fastify from 'fastify';
import { scouterPlugin } from '../index.js';

const env = process.env;
const app = Fastify();
await app.register(scouterPlugin, {
  profiles: { model: env.PROFILE ?? '' },
  transport: new HttpConfig({ serverUri: env.SINK_URL ?? '', username: 'admin', password: 'admin' }),
  handleSignals: env.HANDLE_SIGNALS === '1',
});
app.post<{ Body: { x: number } }>('/predict', (request, reply) => {
  request.scouter.insert({ mae: request.body.x });
  void reply.send({ ok: true });
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
