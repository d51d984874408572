// Public API of @scouter-ts/express.
