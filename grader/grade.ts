// Grades one submission against its exercise: validate, check constraints, evaluate, score. No recording here.
import type { CodeExercise, DatasetName, Exercise, ModelExercise } from './exercises.js';
import { BadRequestError, DeadlinePassedError } from './errors.js';
import { accuracyStats, checkClaim, checkConstraints, confusionMatrix, creditFraction, lateness, misclassified, normalizeClaim } from './checks.js';
import type { AccuracyStats, ClaimCheck, ConstraintResult, Lateness, Misclassified } from './checks.js';
import { judgeCase, leastSquaresCases } from './code-cases.js';
import type { CodeCaseResult } from './code-cases.js';
import { predictClasses } from './evaluate.js';
import { artifactSha256, sourceSha256 } from './model-artifact.js';
import type { ModelArtifact } from './model-artifact.js';
import { checkImageClassifierShapes, loadValidatedModel, summarizeModel, validateModelArtifact } from './model-validation.js';
import { runInSandbox } from './sandbox.js';
import { OFFICIAL_TEST_COUNT, firstImages, loadOfficialTestSet } from './test-data.js';
import type { TestSetLoader } from './test-data.js';

/** What a student submits: a model artifact or the source text of a function. */
export type Answer = { kind: 'model'; artifact: ModelArtifact } | { kind: 'code'; source: string };

/** How many misclassified images the feedback lists by index (all are counted). */
export const MISCLASSIFIED_LISTED = 100;

/** Everything the grader found, stored as the attempt's feedback JSON and shown to the student. */
export interface GradeResult {
  exerciseId: string;
  title: string;
  kind: Exercise['kind'];
  passed: boolean;
  /** Points earned after any late penalty. */
  score: number;
  points: number;
  /** Fraction of the points before the late penalty. */
  creditFraction: number;
  /** Accuracy (model) or fraction of hidden cases passed (code); null when not evaluated. */
  measured: number | null;
  /** The claim as a fraction; null when none was made. */
  claimed: number | null;
  claim: ClaimCheck | null;
  threshold: number;
  accuracy: AccuracyStats | null;
  confusion: number[][] | null;
  misclassifiedCount: number | null;
  /** The first MISCLASSIFIED_LISTED misclassified images, by index in the official test split. */
  misclassified: Misclassified[];
  constraints: ConstraintResult[];
  cases: CodeCaseResult[];
  lateness: Lateness;
  model: { paramCount: number; layerClasses: string[]; inputShape: Array<number | null> } | null;
  evaluatedImages: number | null;
  /** The test split a model was evaluated on (null for code exercises). */
  dataset: DatasetName | null;
  /** Which split was used and where it came from. */
  evaluatedOn: string | null;
  sha256: string;
  /** Sentences that explain the grade and what to try next. */
  notes: string[];
}

/** Inputs of `gradeSubmission`; `now` and `loadTestSet` are injectable for tests. */
export interface GradeInput {
  exercise: Exercise;
  answer: Answer;
  claimed?: unknown;
  now?: Date;
  loadTestSet?: TestSetLoader;
}

/**
 * Grades one answer. Throws a GraderError (4xx) for answers that cannot be graded (malformed model, wrong kind,
 * past the hard deadline); a model that breaks an exercise constraint is graded 0 with the reason, not thrown.
 */
export async function gradeSubmission(input: GradeInput): Promise<GradeResult> {
  const { exercise, answer } = input;
  const late = lateness(exercise.deadline, input.now ?? new Date());
  if (late.pastHardDeadline && exercise.deadline?.hard) throw new DeadlinePassedError(exercise.id, exercise.deadline.hard);
  if (exercise.kind === 'model-accuracy') {
    if (answer.kind !== 'model') throw new BadRequestError(`${exercise.id} expects a trained model (answer: { model } or { modelDir }), got source code.`);
    return gradeModel(exercise, answer.artifact, input.claimed, late, input.loadTestSet ?? loadOfficialTestSet);
  }
  if (answer.kind !== 'code') throw new BadRequestError(`${exercise.id} expects the source of a function named ${exercise.entry} (answer: { code }), got a model.`);
  return gradeCode(exercise, answer.source, late);
}

function baseResult(exercise: Exercise, late: Lateness, sha256: string): GradeResult {
  return {
    exerciseId: exercise.id, title: exercise.title, kind: exercise.kind, passed: false, score: 0, points: exercise.points, creditFraction: 0,
    measured: null, claimed: null, claim: null, threshold: exercise.threshold, accuracy: null, confusion: null, misclassifiedCount: null,
    misclassified: [], constraints: [], cases: [], lateness: late, model: null, evaluatedImages: null, dataset: null, evaluatedOn: null, sha256, notes: [],
  };
}

async function gradeModel(exercise: ModelExercise, artifact: ModelArtifact, claimedRaw: unknown, late: Lateness, loadTestSet: TestSetLoader): Promise<GradeResult> {
  const validated = validateModelArtifact(artifact);
  const result = baseResult(exercise, late, artifactSha256(artifact));
  result.claimed = normalizeClaim(claimedRaw);
  const model = await loadValidatedModel(validated);
  try {
    const summary = summarizeModel(model);
    checkImageClassifierShapes(summary);
    result.model = { paramCount: summary.paramCount, layerClasses: summary.layerClasses, inputShape: summary.inputShapes[0] ?? [] };
    result.constraints = checkConstraints(summary, exercise.constraints);
    if (result.constraints.some((check) => !check.passed)) {
      result.notes.push('The model breaks a constraint of this exercise, so it was not evaluated and scores 0. Fix the failed checks and submit again.');
      return result;
    }
    const fullSet = await loadTestSet(exercise.dataset);
    const testSet = exercise.limit === undefined ? fullSet : firstImages(fullSet, exercise.limit);
    const predictions = await predictClasses(model, testSet, { timeoutMs: exercise.timeoutMs });
    if (testSet.count < OFFICIAL_TEST_COUNT) result.notes.push(`Evaluated on the first ${testSet.count} test images only (a test exercise); course exercises use all ${OFFICIAL_TEST_COUNT}.`);
    const stats = accuracyStats(predictions, testSet.labels);
    const wrong = misclassified(predictions, testSet.labels);
    Object.assign(result, {
      measured: stats.accuracy, accuracy: stats, confusion: confusionMatrix(predictions, testSet.labels), evaluatedImages: testSet.count, dataset: exercise.dataset, evaluatedOn: testSet.description,
      misclassifiedCount: wrong.length, misclassified: wrong.slice(0, MISCLASSIFIED_LISTED),
    });
  } finally {
    model.dispose();
  }
  const stats = result.accuracy as AccuracyStats;
  const passed = stats.accuracy >= exercise.threshold;
  // Passing earns full credit whatever the scale says; the scale only grades the attempts below the threshold.
  score(result, exercise.points, passed, passed ? 1 : creditFraction(exercise.partialCredit, stats.accuracy), late);
  const gapInErrors = (exercise.threshold - stats.accuracy) / Math.max(stats.standardError, 1e-12);
  if (!result.passed && gapInErrors < 2) result.notes.push(`You are within ${gapInErrors.toFixed(1)} standard errors of the threshold: another training seed or an ensemble of a few models may get you over it.`);
  if (result.claimed !== null) {
    result.claim = checkClaim(result.claimed, stats.accuracy, exercise.claimMargin);
    if (result.claim.flagged) result.notes.push(Number.isNaN(result.claimed) ? 'Your claimed accuracy is not a number between 0 and 100; it is flagged for your instructor.' : `Your claimed accuracy differs from the measured one by more than ${pct(exercise.claimMargin)}; it is flagged for your instructor. Did you measure on the test split with the same preprocessing (pixels in [0, 1])?`);
  }
  return result;
}

async function gradeCode(exercise: CodeExercise, source: string, late: Lateness): Promise<GradeResult> {
  if (source.trim().length === 0) throw new BadRequestError('answer.code is empty; pass the source of your function, e.g. gradient.toString().');
  const result = baseResult(exercise, late, sourceSha256(source));
  const cases = leastSquaresCases(exercise.shapes, exercise.seed);
  const run = await runInSandbox(source, exercise.entry, cases.map(({ X, Y, W }) => [X, Y, W]), { timeoutMs: exercise.timeoutMs });
  if (run.compileError !== undefined) {
    result.notes.push(`Your code could not be run: ${run.compileError} Define function ${exercise.entry}(X, Y, W) that returns a [d, k] array, using plain JavaScript (no imports, no tf).`);
    result.measured = 0;
    return result;
  }
  result.cases = cases.map((testCase, i) => judgeCase(testCase, run.results[i], exercise.absTolerance, exercise.relTolerance));
  const fraction = result.cases.filter((c) => c.passed).length / result.cases.length;
  result.measured = fraction;
  score(result, exercise.points, fraction >= exercise.threshold, fraction, late);
  return result;
}

function score(result: GradeResult, points: number, passed: boolean, fraction: number, late: Lateness): void {
  result.passed = passed;
  result.creditFraction = fraction;
  result.score = Math.round(points * fraction * (1 - late.penaltyFraction) * 100) / 100;
  if (late.daysLate > 0) result.notes.push(`Submitted ${late.daysLate} day(s) after the soft deadline: ${pct(late.penaltyFraction)} of the score is deducted.`);
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
