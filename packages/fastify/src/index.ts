// Public API of @scouter-ts/fastify.
import {
  RequestMonitor,
  type RequestCapture,
  type RequestScouter,
  type ScouterAdapterOptions,
  type ScouterQueue,
} from '@scouter-ts/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The `ScouterQueue` the plugin inserts into (flushed by `await fastify.close()`). */
    scouter: ScouterQueue;
  }
  interface FastifyRequest {
    /** Metric values of this request: `request.scouter.insert({ mae: 0.12 })`. */
    scouter: RequestScouter;
  }
}

/** Options of the plugin: core's adapter options, with `shouldRecord` receiving the Fastify request. */
export type ScouterFastifyOptions = ScouterAdapterOptions<FastifyRequest>;

/** Keys Fastify's `register()` itself understands; they are not ours to validate. */
const REGISTER_KEYS = new Set(['prefix', 'logLevel', 'logSerializers']);
const kCapture = Symbol('@scouter-ts/fastify.capture');
type WithCapture = FastifyRequest & { [kCapture]: RequestCapture | null };

const plugin: FastifyPluginAsync<ScouterFastifyOptions> = async (fastify, options) => {
  const own = Object.fromEntries(Object.entries(options).filter(([key]) => !REGISTER_KEYS.has(key)));
  const monitor = new RequestMonitor(own, { logger: fastify.log, what: '@scouter-ts/fastify' });
  fastify.addHook('onClose', async () => {
    await monitor.close();
  });
  fastify.decorate('scouter', await monitor.ready());
  fastify.decorateRequest(kCapture, null);
  // Created on first use; latency comes from Fastify's own reply timer, so no onRequest hook is needed.
  fastify.decorateRequest('scouter', {
    getter(this: FastifyRequest): RequestScouter {
      const request = this as WithCapture;
      return (request[kCapture] ??= monitor.begin(request, false));
    },
  });
  if (monitor.options.asyncContext) {
    // Entered after body parsing, whose stream callbacks would lose the async context.
    fastify.addHook('preHandler', (request, _reply, done) => {
      monitor.run((request as WithCapture)[kCapture] ?? (request.scouter as RequestCapture), done);
    });
  }
  // Only when a profile declares latency_ms or error: Fastify attaches per-request response listeners as soon as
  // an onResponse hook exists, which cost more than the rest of the plugin together (bench/README.md). Without
  // them request.scouter hands each insert to the queue at once.
  if (monitor.needsResponseEnd) {
    fastify.addHook('onResponse', (request, reply, done) => {
      const capture = (request as WithCapture)[kCapture] ?? (request.scouter as RequestCapture);
      capture.commit(reply.statusCode, monitor.measuresLatency ? reply.elapsedTime : 0);
      done();
    });
  }
};

/**
 * Fastify plugin that captures custom metric values per request and hands them to a `ScouterQueue`: in `onResponse`
 * when a profile declares automatic metrics (`latency_ms`, `error`), else as they are inserted.
 * `await app.register(scouterPlugin, { profiles: { model: 'profile.json' } })`, then `request.scouter.insert({...})`
 * or `record({...})` anywhere in the request's call tree; `await app.close()` flushes. Bad options or a profile that
 * cannot be loaded fail the registration (`app.ready()` rejects); nothing is ever thrown into requests.
 */
export const scouterPlugin = fp(plugin, { name: '@scouter-ts/fastify', fastify: '5.x' });
export default scouterPlugin;

export { record, type RequestScouter } from '@scouter-ts/core';
