import { parseDatabaseUri } from './database-uri.js';
import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

/**
 * Picks the storage for a database URI: `postgresql://…` or `postgres://…` gives `PostgresStorage`; `sqlite:path`,
 * `sqlite://path`, a plain file path or `:memory:` gives `SqliteStorage`. Call `init()` on the result.
 */
export function createStorage(databaseUri: string): Storage {
  const target = parseDatabaseUri(databaseUri);
  return target.kind === 'postgres'
    ? new PostgresStorage({ connectionString: target.connectionString })
    : new SqliteStorage({ filename: target.filename });
}
