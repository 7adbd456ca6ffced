// Public API of the grader: re-exports only.
export {
  COURSE_EXERCISES, MNIST_EXERCISE, FASHION_MNIST_EXERCISE, SGD_GRADIENT_EXERCISE, exerciseId, findExercise, withOverrides, publicExercise,
  type Constraint, type CodeExercise, type DatasetName, type Deadline, type Exercise, type ExerciseOverrides, type ModelExercise,
  type PartialCreditScale, type RateLimit,
} from './exercises.js';
export {
  GraderError, BadRequestError, InvalidModelError, UnknownExerciseError, AuthError, DeadlinePassedError,
  PayloadTooLargeError, RateLimitError, QueueFullError, EvaluationTimeoutError, type GraderErrorCode,
} from './errors.js';
export {
  accuracyStats, confusionMatrix, misclassified, creditFraction, normalizeClaim, checkClaim, lateness, checkConstraints,
  type AccuracyStats, type ClaimCheck, type ConstraintResult, type Lateness, type Misclassified,
} from './checks.js';
export {
  readModelDir, artifactFromModel, encodeArtifact, decodeArtifact, artifactSha256, sourceSha256, canonicalJson,
  type ModelArtifact, type ModelJson, type WeightSpec, type WireModel,
} from './model-artifact.js';
export {
  ALLOWED_LAYER_CLASSES, validateModelArtifact, loadValidatedModel, summarizeModel, checkImageClassifierShapes,
  type ModelSummary, type TopologyLayer, type ValidatedArtifact,
} from './model-validation.js';
export { predictClasses, type PredictOptions } from './evaluate.js';
export { loadOfficialTestSet, firstImages, OFFICIAL_TEST_COUNT, type TestSet, type TestSetLoader } from './test-data.js';
export { runInSandbox, type SandboxCallResult, type SandboxLimits, type SandboxRun } from './sandbox.js';
export { leastSquaresCases, leastSquaresGradient, judgeCase, type CodeCaseResult, type LeastSquaresCase } from './code-cases.js';
export { gradeSubmission, MISCLASSIFIED_LISTED, type Answer, type GradeInput, type GradeResult } from './grade.js';
export { feedbackMarkdown, feedbackText, markdownToText, type FeedbackInput } from './feedback.js';
export { GradeStore, DATABASE_ENV, defaultDatabasePath, type AttemptRecord, type GradebookRow, type NewAttempt, type TokenRecord } from './store.js';
export { MIGRATIONS, migrate, SchemaTooNewError, type Migration } from './migrations.js';
export { generateToken, hashToken, issueStudentTokens, issueInstructorToken, parseStudentsCsv, StudentListError, type IssuedToken, type Student } from './tokens.js';
export { toCsv, csvField, parseCsv, CsvParseError, type CsvCell } from './csv.js';
export { gradebookLongCsv, gradebookWideCsv, LONG_HEADER } from './export.js';
export { EvaluationQueue } from './queue.js';
export { gradeAndRecord, type ServiceOptions, type SubmissionOutcome, type SubmissionRequest } from './service.js';
export { startServer, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, type RunningServer, type ServerOptions } from './server.js';
export { parseSubmitBody, type AttemptSummary, type ErrorBody, type SubmitBody, type SubmitResponse } from './wire.js';
export { submit, SubmissionRejectedError, SERVER_URL_ENV, TOKEN_ENV, type SubmitAnswer, type SubmitOptions, type SubmitResult } from './client.js';
export { misclassifiedGridPng, misclassifiedGridForResult } from './misclassified-grid.js';
