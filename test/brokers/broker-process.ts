/**
 * A broker server process for the tests: spawned in its own process group with its files in a temp dir, on
 * loopback and a free port, waited for until it accepts connections, stopped with SIGTERM (SIGKILL after a bound).
 * `restart()` starts it again on the same port and dir (the broker-outage tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1 (closed again, so the broker can bind it). */
export function freePort(): Promise<number> {
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What a broker helper tells `BrokerProcess` to run. */
export interface BrokerCommand {
  /** Name in messages, e.g. `redis-server`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Port that accepts connections once the broker is ready. */
  readonly port: number;
  /** Longest wait for the port. */
  readonly startTimeoutMs: number;
  /** Extra readiness check after the port accepts (e.g. `rabbitmqctl await_startup`). */
  readonly ready?: () => Promise<void>;
}

const running = new Set<BrokerProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const broker of running) broker.kill();
  });
}

/** One broker server process (see the module comment). */
export class BrokerProcess {
  /** Temp dir holding the broker's data and logs; removed by `close()`. */
  readonly dir: string;
  #command: ((dir: string) => BrokerCommand) | undefined;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Starts a broker whose command `build(dir)` returns; rejects with its output when it does not come up. */
  static async start(prefix: string, build: (dir: string) => BrokerCommand): Promise<BrokerProcess> {
    const broker = new BrokerProcess(mkdtempSync(join(tmpdir(), prefix)));
    broker.#command = build;
    installExitHook();
    try {
      await broker.#spawn();
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  async #spawn(): Promise<void> {
    const spec = (this.#command as (dir: string) => BrokerCommand)(this.dir);
    this.#output = '';
    const child = spawn(spec.command, spec.args, {
      cwd: this.dir,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    running.add(this);
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + spec.startTimeoutMs;
    while (!(await accepts(spec.port))) {
      if (exited || Date.now() > deadline) {
        this.kill();
        throw new Error(
          `${spec.name} did not start on 127.0.0.1:${spec.port} within ${spec.startTimeoutMs} ms${exited ? ' (it exited)' : ''}:\n${this.#output}`,
        );
      }
      await sleep(100);
    }
    await spec.ready?.();
  }

  /** Process group id of the running broker (its processes: `ps -g <pgid>`), or undefined when stopped. */
  get pgid(): number | undefined {
    return this.#child?.pid;
  }

  /** Stops the broker (SIGTERM to its process group, SIGKILL after 15 s); the dir stays. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      running.delete(this);
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    running.delete(this);
  }

  /** Starts it again with the same command (same port and dir). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** SIGKILLs the process group now (exit hook). */
  kill(): void {
    if (this.#child !== undefined) signalGroup(this.#child, 'SIGKILL');
  }

  /** Stops it and removes its dir; idempotent. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
