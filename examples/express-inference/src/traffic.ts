/**
 * A tiny load generator for the example services: posts labelled flowers to `/predict` one after another (so the
 * order of inserts, and therefore every batch mean, is known in advance). Used by the smoke scripts, the demo and
 * the end-to-end tests.
 */
import { type IrisExample, type IrisFeatures, type Prediction, meanFeatures } from './model.js';

/** Body of `POST /predict`: the measurements and, optionally, the true species (ground truth). */
export interface PredictBody {
  features: IrisFeatures;
  species?: string;
}

/** What was sent and what came back. */
export interface TrafficSummary {
  requests: number;
  /** Requests whose predicted species matched the label. */
  correct: number;
  accuracy: number;
  /** Mean of each feature over the bodies sent. */
  featureMeans: IrisFeatures;
  predictions: Prediction[];
}

/** Posts each example to `{baseUrl}/predict`, sequentially; rejects on the first non-2xx answer. */
export async function sendTraffic(
  baseUrl: string,
  examples: IrisExample[],
  options: { withLabels?: boolean; timeoutMs?: number } = {},
): Promise<TrafficSummary> {
  const { withLabels = true, timeoutMs = 5_000 } = options;
  const predictions: Prediction[] = [];
  for (const example of examples) {
    const body: PredictBody = withLabels
      ? { features: example.features, species: example.species }
      : { features: example.features };
    const res = await fetch(`${baseUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`POST /predict answered ${res.status}: ${await res.text()}`);
    predictions.push((await res.json()) as Prediction);
  }
  const correct = predictions.filter((p, i) => p.species === examples[i]?.species).length;
  return {
    requests: examples.length,
    correct,
    accuracy: examples.length === 0 ? Number.NaN : correct / examples.length,
    featureMeans: meanFeatures(examples),
    predictions,
  };
}
