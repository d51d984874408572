// Public API of @scouter-ts/server: an explicit export list.

// --- storage (storage/) ---
export type * from './storage/types.js';

// --- app (app.ts, routes/, auth/, drift/, dispatch/) ---
