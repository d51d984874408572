// Public API of @scouter-ts/fastify.
