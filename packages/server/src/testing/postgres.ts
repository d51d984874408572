/**
 * Test harness: starts a throw-away PostgreSQL cluster (initdb + pg_ctl) on 127.0.0.1 and a free port.
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` system user (or a `scouter-pg`
 * user created for it). When the binaries are missing the caller should skip, unless SCOUTER_REQUIRE_POSTGRES=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  connectionString: string;
  /** Creates a fresh database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the cluster (`pg_ctl stop -m fast`) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** Where `initdb`/`pg_ctl` live, or null when PostgreSQL is not installed. */
export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(dir);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

/** Why PostgreSQL tests cannot run here, or null when they can. Throws when SCOUTER_REQUIRE_POSTGRES=1 and they cannot. */
export function postgresUnavailableReason(): string | null {
  const reason = findPostgresBin()
    ? null
    : 'PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; install Debian package "postgresql"';
  if (reason && process.env.SCOUTER_REQUIRE_POSTGRES === '1') {
    throw new Error(`SCOUTER_REQUIRE_POSTGRES=1 but ${reason}`);
  }
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/** The system user to run PostgreSQL as when we are root. */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  let name = 'postgres';
  if (!userExists(name)) {
    name = 'scouter-pg';
    if (!userExists(name)) {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
        stdio: 'pipe',
      });
    }
  }
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { name, uid, gid };
}

const running = new Set<() => void>();
let exitHookInstalled = false;

function stopAll(): void {
  for (const stop of running) {
    try {
      stop();
    } catch {
      // Best effort while the process is going away; the next cluster uses a fresh folder and port.
    }
  }
}

/** Stops every cluster on exit, and on SIGINT/SIGTERM before the signal's usual effect. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Starts a private PostgreSQL cluster. Call `stop()` in `afterAll`; an exit hook stops it too if a test crashes. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresUnavailableReason() ?? 'PostgreSQL binaries not found');
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'scouter-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]): void => {
    const full = join(bin, cmd);
    const res = user
      ? spawnSync('runuser', ['-u', user.name, '--', full, ...args], { encoding: 'utf8', timeout: 60_000 })
      : spawnSync(full, args, { encoding: 'utf8', timeout: 60_000 });
    if (res.status !== 0) {
      const logText = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(
        `${cmd} ${args.join(' ')} failed (${res.status ?? res.signal}): ${res.stderr || res.stdout}\n${logText}`,
      );
    }
  };

  let started = false;
  const stopSync = (): void => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
      } catch {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    running.delete(stopSync);
  };
  installExitHook();
  running.add(stopSync);

  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    let port = 0;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      const opts = `-F -c fsync=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`;
      try {
        run('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', opts]);
        started = true;
      } catch (err) {
        if (attempt === 2) throw err;
      }
    }
    const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    let dbCounter = 0;
    return {
      connectionString,
      async createDatabase(name?: string): Promise<string> {
        dbCounter += 1;
        const db = name ?? `test_${process.pid}_${dbCounter}`;
        if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`invalid database name ${db}`);
        const client = new pg.Client({ connectionString });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${db}`);
        } finally {
          await client.end();
        }
        return `postgresql://postgres@127.0.0.1:${port}/${db}`;
      },
      stop(): Promise<void> {
        stopSync();
        return Promise.resolve();
      },
    };
  } catch (err) {
    stopSync();
    throw err;
  }
}
