/** The storage backends the route and drift suites run on: SQLite always, PostgreSQL when its binaries exist. */
import { join } from 'node:path';
import { tempDir } from './harness.js';
import { postgresUnavailableReason, startPostgres } from './postgres.js';

/** A started backend handing out fresh, empty databases. */
export interface Backend {
  freshUri(): Promise<string>;
  stop(): Promise<void>;
}

export interface BackendSpec {
  name: 'sqlite' | 'postgres';
  start(): Promise<Backend>;
}

const sqlite: BackendSpec = {
  name: 'sqlite',
  start() {
    const { dir, cleanup } = tempDir();
    let n = 0;
    return Promise.resolve({
      freshUri: () => Promise.resolve(join(dir, `scouter-${++n}.db`)),
      stop: () => Promise.resolve(cleanup()),
    });
  },
};

const postgres: BackendSpec = {
  name: 'postgres',
  async start() {
    const server = await startPostgres();
    return { freshUri: () => server.createDatabase(), stop: () => server.stop() };
  },
};

/** SQLite, plus PostgreSQL unless it is unavailable (a warning says why; SCOUTER_REQUIRE_POSTGRES=1 makes it fail). */
export function backends(): BackendSpec[] {
  const reason = postgresUnavailableReason();
  if (reason) {
    console.warn(`PostgreSQL suites skipped: ${reason}`);
    return [sqlite];
  }
  return [sqlite, postgres];
}
