// Typed grader errors; each carries the HTTP status the server answers with and a message that says what to do.

/** Machine-readable reason codes, stable across releases (clients may switch on them). */
export type GraderErrorCode =
  | 'bad-request'
  | 'bad-json'
  | 'invalid-model'
  | 'unknown-exercise'
  | 'unauthorized'
  | 'forbidden'
  | 'deadline-passed'
  | 'payload-too-large'
  | 'rate-limited'
  | 'queue-full'
  | 'evaluation-timeout'
  | 'not-found'
  | 'method-not-allowed'
  | 'unsupported-media-type';

/** Base class: an error the grader expected and can explain; `status` is the HTTP status for it. */
export class GraderError extends Error {
  override name = 'GraderError';
  constructor(
    readonly code: GraderErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The submission is well-formed JSON but not a valid answer (missing fields, wrong types). */
export class BadRequestError extends GraderError {
  override name = 'BadRequestError';
  constructor(message: string, code: GraderErrorCode = 'bad-request') {
    super(code, 400, message);
  }
}

/** The model artifact fails validation (format, layers, manifest, byte lengths, shapes). */
export class InvalidModelError extends GraderError {
  override name = 'InvalidModelError';
  constructor(message: string) {
    super('invalid-model', 422, message);
  }
}

/** Thrown when an exercise id is not declared; the message lists the known ones. */
export class UnknownExerciseError extends GraderError {
  override name = 'UnknownExerciseError';
  constructor(
    readonly exerciseId: string,
    known: readonly string[],
  ) {
    super('unknown-exercise', 404, `Unknown exercise "${exerciseId}". Expected one of: ${known.join(', ')}. Check assignmentId and questionId.`);
  }
}

/** Missing or wrong token (401), or a token used for someone else's data (403). */
export class AuthError extends GraderError {
  override name = 'AuthError';
  constructor(message: string, status: 401 | 403 = 401) {
    super(status === 401 ? 'unauthorized' : 'forbidden', status, message);
  }
}

/** Past the exercise's hard deadline. */
export class DeadlinePassedError extends GraderError {
  override name = 'DeadlinePassedError';
  constructor(exerciseId: string, hard: string) {
    super('deadline-passed', 403, `The hard deadline of ${exerciseId} was ${hard}; submissions are closed. Ask your instructor if you need an extension.`);
  }
}

/** The request body is over the limit; answered before reading the rest. */
export class PayloadTooLargeError extends GraderError {
  override name = 'PayloadTooLargeError';
  constructor(limitBytes: number, gotBytes?: number) {
    const got = gotBytes === undefined ? 'more' : `${gotBytes} bytes`;
    super('payload-too-large', 413, `Submission too large: the limit is ${limitBytes} bytes, got ${got}. Submit a smaller model (fewer parameters) or ask your instructor.`);
  }
}

/** Too many attempts at one exercise in the window. */
export class RateLimitError extends GraderError {
  override name = 'RateLimitError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate-limited', 429, message);
  }
}

/** The evaluation queue is full; try again shortly. */
export class QueueFullError extends GraderError {
  override name = 'QueueFullError';
  constructor(capacity: number) {
    super('queue-full', 503, `The grader is busy (${capacity} submissions waiting). Nothing was recorded; try again in a minute.`);
  }
}

/** Evaluation took longer than the exercise allows. */
export class EvaluationTimeoutError extends GraderError {
  override name = 'EvaluationTimeoutError';
  constructor(timeoutMs: number) {
    super('evaluation-timeout', 422, `Evaluation took longer than ${timeoutMs} ms and was stopped. Submit a smaller or faster model (or one with fewer members).`);
  }
}
