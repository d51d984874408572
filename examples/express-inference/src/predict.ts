/**
 * The framework-free part of `POST /predict`, shared by the Express and Fastify services: validate the body,
 * classify, and work out the metric values to insert for this request.
 */
import { FEATURE_NAMES, type IrisFeatures, type IrisModel, type Prediction, SPECIES } from './model.js';
import { requestMetrics } from './monitoring.js';

/** A handled request: the JSON answer and the values the service inserts (empty on a bad request). */
export type PredictOutcome =
  | { status: 200; body: Prediction; metrics: Record<string, number> }
  | { status: 400; body: { error: string }; metrics: null };

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Handles one `POST /predict` body `{ "features": {sepal_length, sepal_width, petal_length, petal_width},
 * "species"?: "setosa" | "versicolor" | "virginica" }`. `species`, when present, is the ground truth and adds the
 * per-request `accuracy` value (1 or 0).
 */
export function handlePredict(model: IrisModel, body: unknown): PredictOutcome {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const raw = (typeof input.features === 'object' && input.features !== null ? input.features : {}) as Record<
    string,
    unknown
  >;
  const missing = FEATURE_NAMES.filter((name) => !isFiniteNumber(raw[name]));
  if (missing.length > 0) {
    return {
      status: 400,
      body: { error: `features.${missing.join(', features.')} must be finite numbers (centimetres)` },
      metrics: null,
    };
  }
  const species = input.species;
  if (species !== undefined && !(SPECIES as readonly unknown[]).includes(species)) {
    return { status: 400, body: { error: `species must be one of ${SPECIES.join(', ')}` }, metrics: null };
  }
  const features = raw as IrisFeatures;
  const prediction = model.predict(features);
  return {
    status: 200,
    body: prediction,
    metrics: requestMetrics(features, prediction, species as string | undefined),
  };
}
