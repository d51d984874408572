/**
 * The contract both example services implement (`startInferenceService` in each `app.ts`), so the smoke check,
 * the demo and the end-to-end tests drive Express and Fastify the same way.
 */
import type { AdapterTransport, FlushResult, ScouterQueueOptions } from '@scouter-ts/core';
import type { IrisModel } from './model.js';
import { loadArtifacts } from './monitoring.js';
import { transportFromEnv } from './transport.js';

/** How to start an example service. */
export interface InferenceServiceOptions {
  /** The trained model to serve. */
  model: IrisModel;
  /** The registered drift profile, saved as JSON by the training script. */
  profilePath: string;
  /** Where records go, e.g. `new HttpConfig({ serverUri })`. Default: `new HttpConfig()` (environment). */
  transport?: AdapterTransport;
  /** Queue options (`flushIntervalMs`, `retryBaseMs`, `logger`, …) for the queue the adapter creates. Default: the queue's. */
  queueOptions?: ScouterQueueOptions;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Flush and close on SIGTERM/SIGINT (the `start` scripts). Default false. */
  handleSignals?: boolean;
}

/** A listening service. */
export interface RunningService {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Sends whatever the queue holds now (partial batches included). */
  flush(): Promise<FlushResult>;
  /** Stops accepting requests, then shuts the queue down: the final flush delivers the tail. Idempotent. */
  close(): Promise<FlushResult>;
}

/** `startInferenceService` of either example. */
export type StartInferenceService = (options: InferenceServiceOptions) => Promise<RunningService>;

/**
 * The `start` script of an example: loads what `train` saved from `artifactsDir` and serves it on `PORT`
 * (default `defaultPort`) and `HOST` (default 127.0.0.1), sending records with the transport `SCOUTER_TRANSPORT`
 * names (`transportFromEnv`), flushing on SIGTERM/SIGINT. Sets the exit code on failure.
 */
export async function runServiceCli(
  name: string,
  startService: StartInferenceService,
  artifactsDir: string,
  defaultPort: number,
): Promise<void> {
  try {
    const { model, profilePath } = await loadArtifacts(artifactsDir);
    const transport = transportFromEnv();
    const service = await startService({
      model,
      profilePath,
      transport,
      port: Number(process.env.PORT ?? defaultPort),
      host: process.env.HOST ?? '127.0.0.1',
      handleSignals: true,
    });
    console.log(
      `${name} listening on ${service.url} (POST /predict, GET /healthz), sending to ${String(transport)}; Ctrl+C to stop`,
    );
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
