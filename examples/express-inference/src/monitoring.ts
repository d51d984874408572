/**
 * Scouter's custom-metric quickstart, in TypeScript: holdout metrics -> `CustomMetric`s -> drift profile ->
 * `registerProfile(…, { setActive: true })` -> saved JSON that the inference service loads into its queue.
 * Shared by both example services, the demo and the end-to-end tests.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AlertThreshold,
  CommonCrons,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  HttpConfig,
  ScouterClient,
  type CustomDriftProfile,
  type DispatchConfig,
} from '@scouter-ts/core';
import { type HoldoutMetrics, type IrisFeatures, IrisModel, type Prediction, loadIris } from './model.js';

/** Queue alias the services insert under (`req.scouter.get(PROFILE_ALIAS)`). */
export const PROFILE_ALIAS = 'iris';

/** Name of the latency metric the adapters record for every request. */
export const LATENCY_METRIC = 'latency_ms';

/** Allowed distance from each baseline before the server alerts (absolute, in the metric's unit). */
export const MARGINS = {
  /** Alert when the observed accuracy falls more than 0.2 below the holdout accuracy. */
  accuracy: 0.2,
  /** Alert when the mean petal length moves more than 1 cm away from the holdout mean, either way. */
  petal_length: 1,
  /** Alert when the mean sepal width moves more than 0.5 cm away from the holdout mean, either way. */
  sepal_width: 0.5,
  /** Alert when requests take more than 250 ms on average (baseline 10 ms + 240). */
  latency_ms: 240,
} as const;

/** Latency baseline in milliseconds: a service-level target rather than a measurement, so it is deterministic. */
export const LATENCY_BASELINE_MS = 10;

export type MetricName = keyof typeof MARGINS;

/** The per-request values a service inserts (`accuracy` only when the request carries the true species). */
export function requestMetrics(
  features: IrisFeatures,
  prediction: Prediction,
  trueSpecies?: string,
): Record<string, number> {
  const metrics: Record<string, number> = {
    petal_length: features.petal_length,
    sepal_width: features.sepal_width,
  };
  if (trueSpecies !== undefined) metrics.accuracy = prediction.species === trueSpecies ? 1 : 0;
  return metrics;
}

/** Where a profile is registered and how it is checked. */
export interface ProfileSettings {
  /** Scouter space. */
  space: string;
  /** Model name inside the space. */
  name: string;
  /** Requested version; the server may bump it (the registered version is written back into the profile). */
  version: string;
  /** Inserts averaged into one record per metric by the queue. */
  sampleSize: number;
  /** Cron schedule of the server's drift check (Scouter's seconds-first dialect). */
  schedule: string;
  /** Where alerts go; Console when omitted. */
  dispatchConfig?: DispatchConfig;
}

/** One `CustomMetric` per monitored value, baselines from the holdout set. */
export function buildMetrics(baseline: HoldoutMetrics): CustomMetric[] {
  return [
    new CustomMetric({
      name: 'accuracy',
      value: baseline.accuracy,
      alertThreshold: AlertThreshold.Below,
      alertThresholdValue: MARGINS.accuracy,
    }),
    new CustomMetric({
      name: 'petal_length',
      value: baseline.featureMeans.petal_length,
      alertThreshold: AlertThreshold.Outside,
      alertThresholdValue: MARGINS.petal_length,
    }),
    new CustomMetric({
      name: 'sepal_width',
      value: baseline.featureMeans.sepal_width,
      alertThreshold: AlertThreshold.Outside,
      alertThresholdValue: MARGINS.sepal_width,
    }),
    new CustomMetric({
      name: LATENCY_METRIC,
      value: LATENCY_BASELINE_MS,
      alertThreshold: AlertThreshold.Above,
      alertThresholdValue: MARGINS.latency_ms,
    }),
  ];
}

/** The drift profile for a holdout evaluation (not registered yet). */
export function buildProfile(baseline: HoldoutMetrics, settings: ProfileSettings): CustomDriftProfile {
  const alertConfig = new CustomMetricAlertConfig({
    schedule: settings.schedule,
    ...(settings.dispatchConfig ? { dispatchConfig: settings.dispatchConfig } : {}),
  });
  const config = new CustomMetricDriftConfig({
    space: settings.space,
    name: settings.name,
    version: settings.version,
    sampleSize: settings.sampleSize,
    alertConfig,
  });
  return Drifter.createDriftProfile(buildMetrics(baseline), config);
}

/** The band the server compares an observed mean with: `[lower, upper]`, open ends as ±Infinity. */
export function baselineBand(profile: CustomDriftProfile, metric: string): { lower: number; upper: number } {
  const baseline = profile.metrics[metric] ?? Number.NaN;
  const condition = profile.config.alertConfig.alertConditions?.[metric];
  const margin = condition?.alertThresholdValue ?? 0;
  const threshold = condition?.alertThreshold;
  return {
    lower: threshold === AlertThreshold.Above ? -Infinity : baseline - margin,
    upper: threshold === AlertThreshold.Below ? Infinity : baseline + margin,
  };
}

/** What `trainAndRegister` produced. */
export interface TrainingResult {
  model: IrisModel;
  /** Rows the forest was trained on. */
  trainRows: number;
  baseline: HoldoutMetrics;
  profile: CustomDriftProfile;
  /** Saved profile JSON (what the service loads with `ScouterQueue.fromPath`). */
  profilePath: string;
  /** Saved forest JSON. */
  modelPath: string;
}

/**
 * The training script's body: train on the training rows, measure the holdout set, build the profile, register it
 * as the active version and save profile and model into `artifactsDir`.
 */
export async function trainAndRegister(
  client: ScouterClient,
  settings: ProfileSettings,
  artifactsDir: string,
): Promise<TrainingResult> {
  const { train, holdout } = loadIris();
  const model = IrisModel.train(train);
  const baseline = model.evaluate(holdout);
  const profile = buildProfile(baseline, settings);
  await client.registerProfile(profile, { setActive: true });
  await mkdir(artifactsDir, { recursive: true });
  const profilePath = join(artifactsDir, 'profile.json');
  const modelPath = join(artifactsDir, 'model.json');
  profile.save(profilePath);
  await writeFile(modelPath, JSON.stringify(model.toJSON()));
  return { model, trainRows: train.length, baseline, profile, profilePath, modelPath };
}

/** Loads what the training script saved; tells the user to train first when it is missing. */
export async function loadArtifacts(
  artifactsDir: string,
): Promise<{ model: IrisModel; profilePath: string }> {
  const profilePath = join(artifactsDir, 'profile.json');
  const modelPath = join(artifactsDir, 'model.json');
  try {
    await access(profilePath);
    await access(modelPath);
  } catch {
    throw new Error(`No trained model in ${artifactsDir}: run the training script first (pnpm train)`);
  }
  return { model: IrisModel.fromJSON(JSON.parse(await readFile(modelPath, 'utf8'))), profilePath };
}

/**
 * The `train` script of an example: registers with the server named by `SCOUTER_SERVER_URI` (and
 * `SCOUTER_USERNAME`/`SCOUTER_PASSWORD`), using `IRIS_SPACE` (default `examples`), `IRIS_SCHEDULE` (default every
 * 5 minutes) and `IRIS_SAMPLE_SIZE` (default 25). Returns the exit code.
 */
export async function runTrainingCli(name: string, artifactsDir: string): Promise<number> {
  const client = new ScouterClient(new HttpConfig());
  try {
    const settings: ProfileSettings = {
      space: process.env.IRIS_SPACE ?? 'examples',
      name,
      version: '1.0.0',
      sampleSize: Number(process.env.IRIS_SAMPLE_SIZE ?? 25),
      schedule: process.env.IRIS_SCHEDULE ?? CommonCrons.Every5Minutes,
    };
    const result = await trainAndRegister(client, settings, artifactsDir);
    const { profile, baseline } = result;
    console.log(`trained a random forest (25 trees, seed 42) on ${result.trainRows} iris rows`);
    console.log(
      `holdout (${baseline.rows} rows): accuracy ${baseline.accuracy.toFixed(3)}, ` +
        `mean petal_length ${baseline.featureMeans.petal_length.toFixed(3)}, ` +
        `mean sepal_width ${baseline.featureMeans.sepal_width.toFixed(3)}`,
    );
    console.log(
      `registered ${profile.identifier} (active), schedule "${profile.config.alertConfig.schedule}"`,
    );
    for (const metric of profile.customMetrics) {
      const band = baselineBand(profile, metric.name);
      console.log(
        `  ${metric.name}: baseline ${metric.value}, ${metric.alertThreshold} ${metric.alertThresholdValue ?? ''}` +
          ` -> band [${band.lower}, ${band.upper}]`,
      );
    }
    console.log(`saved ${result.profilePath} and ${result.modelPath}`);
    return 0;
  } catch (err) {
    console.error('training failed:', err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await client.close();
  }
}
