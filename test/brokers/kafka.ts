/**
 * Test harness: a real Apache Kafka 4.4 broker in KRaft mode (broker and controller in one JVM, one node) on
 * 127.0.0.1 and free ports, run from the jars `scripts/ci-install/kafka.sh` resolves from Maven Central. It listens
 * twice: PLAINTEXT for the tests, SASL_PLAINTEXT (mechanism PLAIN, one user) for the authentication tests. When Java
 * or the jars are missing the caller skips, unless SCOUTER_REQUIRE_KAFKA=1.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BrokerProcess, freePort } from './broker-process.js';

/** The Kafka version `scripts/ci-install/kafka.sh` installs. */
export const KAFKA_VERSION = '4.4.0';

/** The one SASL/PLAIN user of the SASL listener. */
export const KAFKA_SASL_USER = { username: 'scouter', password: 'scouter-secret' } as const;

/** A running test broker. */
export interface TestKafka {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:<port>` of the SASL_PLAINTEXT listener (mechanism PLAIN, `KAFKA_SASL_USER`). */
  readonly saslUrl: string;
  readonly saslPort: number;
  /** Milliseconds from the first spawn (format included) to accepting clients. */
  readonly startupMs: number;
  /** The JVM; `restart()` brings the same cluster (topics, committed offsets) back on the same ports. */
  readonly process: BrokerProcess;
}

/** Folder with the broker's jars (`lib/`), as `scripts/ci-install/kafka.sh` fills it. */
export function kafkaHome(): string {
  return process.env.SCOUTER_KAFKA_HOME ?? join(homedir(), '.cache', 'scouter-ts', `kafka-${KAFKA_VERSION}`);
}

/** Why a Kafka broker cannot be started here, or null when it can. */
export function kafkaUnavailableReason(): string | null {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) {
    return 'Java not found on PATH; run `bash scripts/ci-install/kafka.sh` (installs openjdk-17 and the Kafka jars)';
  }
  if (!existsSync(join(kafkaHome(), '.complete'))) {
    return `Kafka ${KAFKA_VERSION} jars not found in ${kafkaHome()}; run \`bash scripts/ci-install/kafka.sh\``;
  }
  return null;
}

const JVM_FLAGS = [
  '-Xmx512m',
  '-Xms128m',
  // Start-up time matters more than throughput for a test broker.
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
];

function brokerProperties(dir: string, ports: { plain: number; sasl: number; controller: number }): string {
  const { username, password } = KAFKA_SASL_USER;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.plain},SASL_PLAINTEXT://127.0.0.1:${ports.sasl},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.plain},SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=3',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=1',
    '',
  ].join('\n');
}

/** Formats a fresh KRaft log dir (random cluster id) and starts broker+controller in one JVM; `process.close()` ends it. */
export async function startKafka(): Promise<TestKafka> {
  const reason = kafkaUnavailableReason();
  if (reason !== null) throw new Error(reason);
  const classpath = join(kafkaHome(), 'lib', '*');
  const ports = { plain: await freePort(), sasl: await freePort(), controller: await freePort() };
  const started = performance.now();
  const process = await BrokerProcess.start('scouter-kafka-', (dir) => {
    const config = join(dir, 'server.properties');
    if (!existsSync(config)) {
      writeFileSync(config, brokerProperties(dir, ports));
      // Kafka's cluster id: 16 random bytes, base64url without padding, not starting with '-' (as Kafka's own
      // Uuid.randomUuid() avoids, since the command line would read it as an option).
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      const format = spawnSync(
        'java',
        [...JVM_FLAGS, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config],
        { encoding: 'utf8', timeout: 60_000 },
      );
      if (format.status !== 0) {
        throw new Error(
          `kafka-storage format failed (${format.status ?? format.signal}): ${format.stderr}${format.stdout}`,
        );
      }
    }
    return {
      name: 'kafka',
      command: 'java',
      args: [...JVM_FLAGS, '-cp', classpath, 'kafka.Kafka', config],
      // The client listeners open last, once the broker is registered with its controller and unfenced.
      port: ports.plain,
      startTimeoutMs: 60_000,
    };
  });
  return {
    url: `127.0.0.1:${ports.plain}`,
    port: ports.plain,
    saslUrl: `127.0.0.1:${ports.sasl}`,
    saslPort: ports.sasl,
    startupMs: Math.round(performance.now() - started),
    process,
  };
}
