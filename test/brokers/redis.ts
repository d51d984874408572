/** A private `redis-server` for the tests (Debian package `redis-server`): loopback, free port, no persistence. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerProcess, freePort } from './broker-process.js';
import { findBinary } from './find-binary.js';

/** User with a password on every test Redis, for the authentication tests (the default user needs none). */
export const REDIS_TEST_USER = { username: 'scouter', password: 'scouter-secret' } as const;

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (default user, no password). */
  readonly url: string;
  readonly port: number;
  readonly process: BrokerProcess;
}

/** Why Redis tests cannot run here, or null when `redis-server` is installed. */
export function redisUnavailableReason(): string | null {
  return findBinary('redis-server') === null
    ? 'redis-server not found on PATH; install the Debian package "redis-server" (scripts/ci-install/brokers-debian.sh)'
    : null;
}

/** Starts a private redis-server; `process.close()` stops it and removes its dir. */
export async function startRedis(): Promise<TestRedis> {
  const bin = findBinary('redis-server');
  if (bin === null) throw new Error(redisUnavailableReason() ?? 'redis-server not found');
  const port = await freePort();
  const process = await BrokerProcess.start('scouter-redis-', (dir) => {
    const conf = join(dir, 'redis.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        'save ""',
        'appendonly no',
        'daemonize no',
        'protected-mode yes',
        `user ${REDIS_TEST_USER.username} on >${REDIS_TEST_USER.password} ~* &* +@all`,
        '',
      ].join('\n'),
    );
    return { name: 'redis-server', command: bin, args: [conf], port, startTimeoutMs: 10_000 };
  });
  return { url: `redis://127.0.0.1:${port}`, port, process };
}
