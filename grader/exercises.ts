// The course's graded exercises, declared in one place: what is checked, against which threshold, for how many points.
import { UnknownExerciseError } from './errors.js';

/** Test splits the grader evaluates models on (the official 10,000-image test sets). */
export type DatasetName = 'mnist' | 'fashion-mnist';

/**
 * Partial credit as a step table: the first row whose `atLeast` the measured value reaches gives
 * `fraction` of the points; below every row the credit is 0. Rows are sorted high to low.
 */
export type PartialCreditScale = ReadonlyArray<{ readonly atLeast: number; readonly fraction: number }>;

/** Deadlines as ISO 8601 instants. Past `soft` the score loses `latePenaltyPerDay` (fraction of points) per started day, up to `maxLatePenalty`; past `hard` submissions are refused. */
export interface Deadline {
  readonly soft?: string;
  readonly hard?: string;
  readonly latePenaltyPerDay?: number;
  readonly maxLatePenalty?: number;
}

/** A constraint checked on the model's layer list before any evaluation. */
export type Constraint =
  | { readonly kind: 'max-params'; readonly max: number }
  | { readonly kind: 'allowed-layers'; readonly classes: readonly string[]; readonly description: string }
  | { readonly kind: 'input-shape'; readonly shapes: ReadonlyArray<ReadonlyArray<number | null>> }
  | { readonly kind: 'output-shape'; readonly shape: ReadonlyArray<number | null> };

/** How many attempts one student may make at one exercise in a rolling window (the grader is not an answer oracle). */
export interface RateLimit {
  readonly maxAttempts: number;
  readonly windowMinutes: number;
}

interface ExerciseBase {
  /** `${assignmentId}/${questionId}`, the ids rggrader used. */
  readonly id: string;
  readonly title: string;
  readonly points: number;
  readonly deadline?: Deadline;
  readonly rateLimit: RateLimit;
}

/** A trained model evaluated on a test split; score by measured accuracy. */
export interface ModelExercise extends ExerciseBase {
  readonly kind: 'model-accuracy';
  readonly dataset: DatasetName;
  /** Pass when measured accuracy (fraction) >= threshold; no margin is added in either direction. */
  readonly threshold: number;
  readonly partialCredit: PartialCreditScale;
  /** A claimed accuracy further than this (fraction) from the measured one is flagged. */
  readonly claimMargin: number;
  readonly constraints: readonly Constraint[];
  /** Evaluate only the first `limit` test images (test exercises only: course exercises use all 10,000). */
  readonly limit?: number;
  /** Evaluation stops with an error after this long, so one slow model cannot hold the queue. */
  readonly timeoutMs: number;
}

/** Source text of a function, run in a sandbox on hidden seeded inputs and compared with a reference. */
export interface CodeExercise extends ExerciseBase {
  readonly kind: 'code-function';
  /** Name of the function the source must define (a bare function expression is accepted too). */
  readonly entry: string;
  /** Which hidden test set and reference to use; see grader/code-cases.ts. */
  readonly reference: 'least-squares-gradient';
  /** Shapes [n, d, k] of X [n, d], W [d, k], Y [n, k] in the hidden cases. */
  readonly shapes: ReadonlyArray<readonly [number, number, number]>;
  readonly seed: number;
  /** A case passes when max |got - want| <= absTolerance + relTolerance * max |want|. */
  readonly absTolerance: number;
  readonly relTolerance: number;
  /** Pass when the fraction of passing cases >= threshold; credit is that fraction of the points. */
  readonly threshold: number;
  readonly timeoutMs: number;
}

export type Exercise = ModelExercise | CodeExercise;

// Accepted image inputs: the [batch, 28, 28, 1] of a CNN, or the flattened [batch, 784] of a dense network.
const IMAGE_INPUT_SHAPES = [[null, 28, 28, 1], [null, 784]] as const;
const TEN_CLASSES = [null, 10] as const;
// Bounds evaluation time and memory on a small server, and fits the server's default body limit (15M float32
// weights are 60 MB, 80 MB as base64, under 96 MiB). An ensemble of several course CNNs fits easily.
const MAX_COURSE_PARAMS = 15_000_000;
// Twenty graded attempts an hour is plenty for real work and too few to probe the test set.
const COURSE_RATE_LIMIT: RateLimit = { maxAttempts: 20, windowMinutes: 60 };

/** What both model exercises require of a submitted model: an MNIST image in, 10 class scores out, a size cap. */
const IMAGE_CLASSIFIER_CONSTRAINTS: Constraint[] = [
  { kind: 'input-shape', shapes: IMAGE_INPUT_SHAPES },
  { kind: 'output-shape', shape: TEN_CLASSES },
  { kind: 'max-params', max: MAX_COURSE_PARAMS },
];

/**
 * Exercise 1 of the PyTorch-MNIST notebook. 99.8% is about the best single models reach (the mean of
 * 1,500 published CNNs is 99.64%), so ensembles packaged as one model are welcome.
 */
export const MNIST_EXERCISE: ModelExercise = {
  id: '13_pytorch-mnist/00_mnist-data',
  title: 'MNIST: reach 99.8% test accuracy',
  kind: 'model-accuracy',
  dataset: 'mnist',
  threshold: 0.998,
  points: 100,
  partialCredit: [
    { atLeast: 0.998, fraction: 1 },
    { atLeast: 0.996, fraction: 0.9 },
    { atLeast: 0.99, fraction: 0.75 },
    { atLeast: 0.98, fraction: 0.6 },
    { atLeast: 0.95, fraction: 0.4 },
    { atLeast: 0.9, fraction: 0.2 },
  ],
  claimMargin: 0.002,
  constraints: IMAGE_CLASSIFIER_CONSTRAINTS,
  rateLimit: COURSE_RATE_LIMIT,
  timeoutMs: 300_000,
};

/** Exercise 2: Fashion-MNIST at 90% or better. */
export const FASHION_MNIST_EXERCISE: ModelExercise = {
  id: '13_pytorch-mnist/01_fashion-mnist-data',
  title: 'Fashion-MNIST: reach 90% test accuracy',
  kind: 'model-accuracy',
  dataset: 'fashion-mnist',
  threshold: 0.9,
  points: 100,
  partialCredit: [
    { atLeast: 0.9, fraction: 1 },
    { atLeast: 0.88, fraction: 0.8 },
    { atLeast: 0.85, fraction: 0.6 },
    { atLeast: 0.8, fraction: 0.4 },
    { atLeast: 0.7, fraction: 0.2 },
  ],
  claimMargin: 0.005,
  constraints: IMAGE_CLASSIFIER_CONSTRAINTS,
  rateLimit: COURSE_RATE_LIMIT,
  timeoutMs: 300_000,
};

/** The SGD-from-scratch notebook's gradient of 0.5 * ||XW - Y||^2 / n: X^T (XW - Y) / n. */
export const SGD_GRADIENT_EXERCISE: CodeExercise = {
  id: '14_sgd-from-scratch/00_gradient',
  title: 'Gradient of the least-squares loss, from scratch',
  kind: 'code-function',
  entry: 'gradient',
  reference: 'least-squares-gradient',
  // A 1x1x1 case catches shape mix-ups that square cases hide; 784x10 is the notebook's own W.
  shapes: [[1, 1, 1], [3, 2, 4], [7, 5, 3], [16, 9, 2], [32, 784, 10]],
  seed: 2023,
  // Float32 accumulation over d=784 terms stays well inside 1e-4 relative.
  absTolerance: 1e-6,
  relTolerance: 1e-4,
  threshold: 1,
  points: 50,
  rateLimit: COURSE_RATE_LIMIT,
  timeoutMs: 5_000,
};

/** Every exercise of the course, in notebook order. */
export const COURSE_EXERCISES: readonly Exercise[] = [MNIST_EXERCISE, FASHION_MNIST_EXERCISE, SGD_GRADIENT_EXERCISE];

/** The exercise id rggrader's (assignment_id, question_id) pair names. */
export function exerciseId(assignmentId: string, questionId: string): string {
  return `${assignmentId}/${questionId}`;
}

/** Looks an exercise up by id in `exercises` (default: the course's); throws UnknownExerciseError. */
export function findExercise(id: string, exercises: readonly Exercise[] = COURSE_EXERCISES): Exercise {
  const found = exercises.find((exercise) => exercise.id === id);
  if (!found) throw new UnknownExerciseError(id, exercises.map((exercise) => exercise.id));
  return found;
}

/** Instructor overrides for one course run (deadlines, points, rate limits), keyed by exercise id. */
export type ExerciseOverrides = Record<string, Partial<Pick<ExerciseBase, 'points' | 'deadline' | 'rateLimit'>>>;

/** Applies overrides; an override for an undeclared id is an error, not silently ignored. */
export function withOverrides(exercises: readonly Exercise[], overrides: ExerciseOverrides): Exercise[] {
  for (const id of Object.keys(overrides)) findExercise(id, exercises);
  return exercises.map((exercise) => ({ ...exercise, ...(overrides[exercise.id] ?? {}) }) as Exercise);
}

/** What the server publishes about an exercise: everything but the hidden tests' seed. */
export function publicExercise(exercise: Exercise): Omit<Exercise, 'seed'> {
  if (exercise.kind !== 'code-function') return exercise;
  const { seed: _hidden, ...visible } = exercise;
  return visible;
}
