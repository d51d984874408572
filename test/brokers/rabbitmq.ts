/**
 * A private RabbitMQ node for the tests (Debian package `rabbitmq-server`), run from
 * `/usr/lib/rabbitmq/bin/rabbitmq-server` directly (the `/usr/sbin` wrapper switches to the `rabbitmq` user and the
 * system's dirs). Everything is its own: node name, AMQP port, distribution port, epmd port (so a system node or
 * epmd cannot clash), mnesia, logs, cookie (HOME), no config or plugins, all on 127.0.0.1. The default `guest`
 * user may connect over loopback.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerProcess, freePort } from './broker-process.js';
import { findBinary } from './find-binary.js';

const RABBITMQ_DIRS = ['/usr/lib/rabbitmq/bin'];

/** A running test RabbitMQ node. */
export interface TestRabbitMQ {
  /** `amqp://guest:guest@127.0.0.1:<port>/%2f`. */
  readonly url: string;
  readonly port: number;
  readonly process: BrokerProcess;
  /** Stops the node, its epmd, and removes its dir; idempotent. */
  close(): Promise<void>;
}

/** Why RabbitMQ tests cannot run here, or null when `rabbitmq-server` is installed. */
export function rabbitmqUnavailableReason(): string | null {
  return findBinary('rabbitmq-server', RABBITMQ_DIRS) === null
    ? 'rabbitmq-server not found in /usr/lib/rabbitmq/bin or on PATH; install the Debian package "rabbitmq-server" (scripts/ci-install/brokers-debian.sh)'
    : null;
}

/** Starts a private RabbitMQ node (about 5 s). */
export async function startRabbitMQ(): Promise<TestRabbitMQ> {
  const bin = findBinary('rabbitmq-server', RABBITMQ_DIRS);
  if (bin === null) throw new Error(rabbitmqUnavailableReason() ?? 'rabbitmq-server not found');
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const env = (dir: string): NodeJS.ProcessEnv => ({
    HOME: dir,
    RABBITMQ_NODENAME: `scouter-test-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  });
  let nodeEnv: NodeJS.ProcessEnv = {};
  const process = await BrokerProcess.start('scouter-rabbitmq-', (dir) => {
    writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    nodeEnv = env(dir);
    return { name: 'rabbitmq-server', command: bin, args: [], env: nodeEnv, port, startTimeoutMs: 60_000 };
  });
  let closed: Promise<void> | undefined;
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/%2f`,
    port,
    process,
    close: () =>
      (closed ??= (async () => {
        await process.stop();
        const epmd = findBinary('epmd');
        if (epmd !== null) {
          spawnSync(epmd, ['-kill'], {
            env: { ...globalThis.process.env, ...nodeEnv },
            stdio: 'ignore',
            timeout: 5000,
          });
        }
        await process.close();
      })()),
  };
}
