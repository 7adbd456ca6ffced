// The JSON that travels between client and server: request and response shapes and the checks on incoming bodies.
import { BadRequestError } from './errors.js';
import type { GradeResult } from './grade.js';
import type { Answer } from './grade.js';
import { decodeArtifact } from './model-artifact.js';
import type { WireModel } from './model-artifact.js';

/** POST /v1/submissions body. `studentId` may be left out: the token says who submits. */
export interface SubmitBody {
  studentId?: string;
  name?: string;
  assignmentId: string;
  questionId: string;
  answer: { model: WireModel } | { code: string };
  claimed?: number | string | null;
  submissionId?: string;
}

/** The attempt as the server reports it. */
export interface AttemptSummary {
  id: number;
  attemptNumber: number;
  createdAt: string;
  studentId: string;
  name: string;
  assignmentId: string;
  questionId: string;
  score: number;
  maxPoints: number;
  passed: boolean;
  claimFlagged: boolean;
  sha256: string | null;
  identicalTo: number | null;
}

/** 201 (recorded) or 200 (a retry of a recorded submission) response body. */
export interface SubmitResponse {
  attempt: AttemptSummary;
  result: GradeResult;
  /** Ready-to-show Markdown feedback. */
  feedback: string;
}

/** Every 4xx/5xx response body. */
export interface ErrorBody {
  error: { code: string; message: string };
}

// Ids appear in file names, CSV cells and URLs: keep them printable and bounded.
const ID_PATTERN = /^[\w.@+-][\w .@+/-]{0,127}$/;

/** Checks an incoming body and turns it into the grader's types; throws BadRequestError saying which field is wrong. */
export function parseSubmitBody(body: unknown): Omit<SubmitBody, 'answer'> & { answer: Answer } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The body must be a JSON object with assignmentId, questionId and answer.');
  const b = body as Record<string, unknown>;
  for (const field of ['assignmentId', 'questionId'] as const) {
    if (typeof b[field] !== 'string' || !ID_PATTERN.test(b[field] as string)) throw new BadRequestError(`${field} must be a non-empty string of letters, digits and _.-@+/ (at most 128), got ${JSON.stringify(b[field])}.`);
  }
  for (const field of ['studentId', 'name', 'submissionId'] as const) {
    if (b[field] !== undefined && (typeof b[field] !== 'string' || (b[field] as string).length > 200)) throw new BadRequestError(`${field} must be a string of at most 200 characters.`);
  }
  if (b['studentId'] !== undefined && !ID_PATTERN.test(b['studentId'] as string)) throw new BadRequestError(`studentId ${JSON.stringify(b['studentId'])} has characters other than letters, digits and _.-@+/.`);
  const claimed = b['claimed'];
  if (claimed !== undefined && claimed !== null && typeof claimed !== 'number' && typeof claimed !== 'string') throw new BadRequestError('claimed must be a number (0.991 or 99.1) or a string.');
  const answer = b['answer'] as Record<string, unknown> | undefined;
  if (typeof answer !== 'object' || answer === null) throw new BadRequestError('answer must be { model: { modelJson, weightsBase64 } } or { code: "<source>" }.');
  let parsed: Answer;
  if ('model' in answer && answer['model'] !== undefined) parsed = { kind: 'model', artifact: decodeArtifact(answer['model']) };
  else if (typeof answer['code'] === 'string') parsed = { kind: 'code', source: answer['code'] };
  else throw new BadRequestError('answer must be { model: { modelJson, weightsBase64 } } or { code: "<source>" }.');
  return {
    assignmentId: b['assignmentId'] as string,
    questionId: b['questionId'] as string,
    answer: parsed,
    ...(b['studentId'] === undefined ? {} : { studentId: b['studentId'] as string }),
    ...(b['name'] === undefined ? {} : { name: b['name'] as string }),
    ...(claimed === undefined ? {} : { claimed: claimed as number | string | null }),
    ...(b['submissionId'] === undefined ? {} : { submissionId: b['submissionId'] as string }),
  };
}
