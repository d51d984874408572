import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

/**
 * Picks the storage for a database URI: `postgresql://…` or `postgres://…` gives `PostgresStorage`; `sqlite:path`,
 * `sqlite://path`, a plain file path or `:memory:` gives `SqliteStorage`. Call `init()` on the result.
 */
export function createStorage(databaseUri: string): Storage {
  const uri = databaseUri.trim();
  if (uri === '')
    throw new Error('DATABASE_URI is empty: give a postgresql:// URI, sqlite:<path> or a file path');
  if (/^postgres(ql)?:\/\//i.test(uri)) return new PostgresStorage({ connectionString: uri });
  if (/^sqlite:/i.test(uri)) {
    const filename = uri.replace(/^sqlite:(\/\/)?/i, '');
    if (filename === '') throw new Error(`DATABASE_URI ${uri} has no file path: use sqlite:./scouter.db`);
    return new SqliteStorage({ filename });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (scheme) {
    throw new Error(
      `DATABASE_URI scheme ${scheme[1]}:// is not supported: use postgresql://…, sqlite:<path> or a file path`,
    );
  }
  return new SqliteStorage({ filename: uri });
}
