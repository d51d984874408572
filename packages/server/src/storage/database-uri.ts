/** Where a `DATABASE_URI` points, decided without loading a database driver. */
export type DatabaseTarget =
  { kind: 'postgres'; connectionString: string } | { kind: 'sqlite'; filename: string };

/**
 * Reads a database URI: `postgresql://…` or `postgres://…` is PostgreSQL; `sqlite:path`, `sqlite://path`, a plain
 * file path or `:memory:` is SQLite. Throws, naming the accepted forms, for an empty URI, `sqlite:` without a path
 * and any other `scheme://`.
 */
export function parseDatabaseUri(databaseUri: string): DatabaseTarget {
  const uri = databaseUri.trim();
  if (uri === '')
    throw new Error('DATABASE_URI is empty: give a postgresql:// URI, sqlite:<path> or a file path');
  if (/^postgres(ql)?:\/\//i.test(uri)) return { kind: 'postgres', connectionString: uri };
  if (/^sqlite:/i.test(uri)) {
    const filename = uri.replace(/^sqlite:(\/\/)?/i, '');
    if (filename === '') throw new Error(`DATABASE_URI ${uri} has no file path: use sqlite:./scouter.db`);
    return { kind: 'sqlite', filename };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (scheme) {
    throw new Error(
      `DATABASE_URI scheme ${scheme[1]}:// is not supported: use postgresql://…, sqlite:<path> or a file path`,
    );
  }
  return { kind: 'sqlite', filename: uri };
}
