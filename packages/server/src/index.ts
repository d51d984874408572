// Public API of @scouter-ts/server: an explicit export list.

// --- storage (storage/) ---
export type * from './storage/types.js';
export { createStorage } from './storage/create-storage.js';
export { SqliteStorage, type SqliteStorageOptions } from './storage/sqlite.js';
export { PostgresStorage, type PostgresStorageOptions } from './storage/postgres.js';

// --- app (app.ts, routes/, auth/, drift/, dispatch/) ---
