// Grade and record one submission: the step shared by the server and the offline (local) client.
import type { Exercise } from './exercises.js';
import { exerciseId, findExercise } from './exercises.js';
import { gradeSubmission } from './grade.js';
import type { Answer, GradeResult } from './grade.js';
import type { AttemptRecord, GradeStore } from './store.js';
import type { TestSetLoader } from './test-data.js';

/** One submission, with rggrader's fields (student id, name, assignment id, question id, answer). */
export interface SubmissionRequest {
  studentId: string;
  name: string;
  assignmentId: string;
  questionId: string;
  answer: Answer;
  /** The accuracy the student reports (fraction or percent); compared with the measured one. */
  claimed?: unknown;
  /** Client-chosen id; a retry with the same id is recorded once. */
  submissionId?: string;
}

/** The committed attempt and everything the grader found. */
export interface SubmissionOutcome {
  attempt: AttemptRecord;
  result: GradeResult;
  /** Attempt number of an earlier identical submission (same artifact hash) by the same student, if any. */
  identicalTo: number | null;
}

/** Options shared by server and local mode. */
export interface ServiceOptions {
  exercises?: readonly Exercise[];
  loadTestSet?: TestSetLoader;
  now?: () => Date;
}

/** Grades `request` and commits the attempt; resolves only after the commit. Throws GraderErrors for ungradable input. */
export async function gradeAndRecord(store: GradeStore, request: SubmissionRequest, options: ServiceOptions = {}): Promise<SubmissionOutcome> {
  const exercise = findExercise(exerciseId(request.assignmentId, request.questionId), options.exercises);
  const now = options.now?.() ?? new Date();
  const result = await gradeSubmission({ exercise, answer: request.answer, claimed: request.claimed, now, ...(options.loadTestSet ? { loadTestSet: options.loadTestSet } : {}) });
  const attempt = store.recordAttempt({
    studentId: request.studentId, name: request.name, assignmentId: request.assignmentId, questionId: request.questionId,
    claimed: result.claimed, measured: result.measured, score: result.score, maxPoints: result.points, passed: result.passed,
    claimFlagged: result.claim?.flagged ?? false, sha256: result.sha256, submissionId: request.submissionId ?? null, feedback: result,
    createdAt: now.toISOString(),
  });
  const identical = store
    .attempts({ studentId: attempt.studentId, assignmentId: attempt.assignmentId, questionId: attempt.questionId })
    .find((earlier) => earlier.id < attempt.id && earlier.sha256 === attempt.sha256);
  return { attempt, result: attempt.feedback as GradeResult, identicalTo: identical?.attemptNumber ?? null };
}
