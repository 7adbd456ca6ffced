// submit() for notebooks: sends an answer to the course server, or grades it locally when no server is configured, and shows the feedback.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type * as tf from '@tensorflow/tfjs';
import type { Exercise } from './exercises.js';
import { feedbackMarkdown, markdownToText } from './feedback.js';
import type { Answer, GradeResult } from './grade.js';
import { artifactFromModel, encodeArtifact, readModelDir } from './model-artifact.js';
import { misclassifiedGridForResult } from './misclassified-grid.js';
import { gradeAndRecord } from './service.js';
import { GradeStore, defaultDatabasePath } from './store.js';
import type { TestSetLoader } from './test-data.js';
import type { AttemptSummary, ErrorBody, SubmitBody, SubmitResponse } from './wire.js';

/** Environment variables a notebook reads when no option is given. */
export const SERVER_URL_ENV = 'MNIST_GRADER_URL';
export const TOKEN_ENV = 'MNIST_GRADER_TOKEN';

/** A trained model (in memory or saved to a folder) or a function (or its source). */
export type SubmitAnswer =
  | { model: tf.LayersModel }
  | { modelDir: string }
  | { code: string | ((...args: never[]) => unknown) };

/** rggrader's submit(student_id, name, assignment_id, answer, question_id), typed, plus where to send it. */
export interface SubmitOptions {
  studentId: string;
  name: string;
  assignmentId: string;
  questionId: string;
  answer: SubmitAnswer;
  /** The accuracy you measured yourself (0.991 or 99.1); the grader compares it with its own measurement. */
  claimed?: number | string;
  /** Default $MNIST_GRADER_URL; with none, the answer is graded locally. */
  serverUrl?: string;
  /** Default $MNIST_GRADER_TOKEN. */
  token?: string;
  /** Local mode's database; default $MNIST_GRADER_DB or the user data folder. */
  databasePath?: string;
  /** Show the feedback (true: as Markdown in tslab, as text elsewhere), or pass your own display. Default true. */
  display?: boolean | ((markdown: string) => void);
  /** Give up waiting for the server after this long. Default 15 minutes (the queue may be long before a deadline). */
  timeoutMs?: number;
  /** How many misclassified test images to show as a picture under the feedback (0: none). Default 20. */
  showMisclassified?: number;
  /** Local mode only: other exercises and test data (tests, other courses). */
  exercises?: readonly Exercise[];
  loadTestSet?: TestSetLoader;
}

/** What submit() returns: the recorded attempt, the full grade and the feedback shown. */
export interface SubmitResult {
  mode: 'remote' | 'local';
  attempt: AttemptSummary;
  result: GradeResult;
  /** The feedback as Markdown. */
  feedback: string;
  /** The server URL or the local database file. */
  recordedAt: string;
  /** PNG grid of misclassified test images, when one could be drawn and showing was on. */
  misclassifiedPng?: Uint8Array;
}

/** The server refused the submission (4xx/5xx); `code` is the grader's reason code (e.g. 'rate-limited'). */
export class SubmissionRejectedError extends Error {
  override readonly name = 'SubmissionRejectedError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`The grader refused the submission (${status} ${code}): ${message}`);
  }
}

/**
 * Grades an answer and shows the feedback. With a server (MNIST_GRADER_URL and MNIST_GRADER_TOKEN, or options)
 * it posts the answer there; without one it grades locally and records into a local SQLite file, so offline
 * work still gets feedback. Resolves once the attempt is committed.
 * @example
 * const result = await submit({ studentId, name, assignmentId: '13_pytorch-mnist', questionId: '00_mnist-data',
 *   answer: { model }, claimed: 0.991 });
 */
export async function submit(options: SubmitOptions): Promise<SubmitResult> {
  const serverUrl = options.serverUrl ?? process.env[SERVER_URL_ENV];
  const result: SubmitResult = serverUrl ? await submitRemote(options, serverUrl) : await submitLocal(options);
  const display = options.display ?? true;
  show(display, result.feedback);
  if (display !== false) {
    // The picture is a bonus: any failure to draw it (no local copy of the split, another split) leaves the feedback as is.
    const png = await misclassifiedGridForResult(result.result, options.showMisclassified ?? 20, options.loadTestSet).catch(() => null);
    if (png) {
      result.misclassifiedPng = png;
      showPng(display, png);
    }
  }
  return result;
}

async function toAnswer(answer: SubmitAnswer): Promise<Answer> {
  if ('model' in answer) return { kind: 'model', artifact: await artifactFromModel(answer.model) };
  if ('modelDir' in answer) return { kind: 'model', artifact: await readModelDir(answer.modelDir) };
  return { kind: 'code', source: typeof answer.code === 'function' ? answer.code.toString() : answer.code };
}

async function submitLocal(options: SubmitOptions): Promise<SubmitResult> {
  const path = options.databasePath ?? defaultDatabasePath();
  const store = GradeStore.open({ path });
  try {
    const outcome = await gradeAndRecord(store, {
      studentId: options.studentId, name: options.name, assignmentId: options.assignmentId, questionId: options.questionId,
      answer: await toAnswer(options.answer), claimed: options.claimed,
    }, { ...(options.exercises ? { exercises: options.exercises } : {}), ...(options.loadTestSet ? { loadTestSet: options.loadTestSet } : {}) });
    const { attempt } = outcome;
    const summary: AttemptSummary = {
      id: attempt.id, attemptNumber: attempt.attemptNumber, createdAt: attempt.createdAt, studentId: attempt.studentId, name: attempt.name,
      assignmentId: attempt.assignmentId, questionId: attempt.questionId, score: attempt.score, maxPoints: attempt.maxPoints, passed: attempt.passed,
      claimFlagged: attempt.claimFlagged, sha256: attempt.sha256, identicalTo: outcome.identicalTo,
    };
    const feedback = feedbackMarkdown({ result: outcome.result, attempt, identicalTo: outcome.identicalTo, recordedAt: `local file ${path}; no server configured (set ${SERVER_URL_ENV} to submit for credit)` });
    return { mode: 'local', attempt: summary, result: outcome.result, feedback, recordedAt: path };
  } finally {
    store.close();
  }
}

// Retries reuse the submission id, so an attempt whose answer was lost on the way back is recorded once.
const RETRIES = 3;

async function submitRemote(options: SubmitOptions, serverUrl: string): Promise<SubmitResult> {
  const token = options.token ?? process.env[TOKEN_ENV];
  if (!token) throw new SubmissionRejectedError(401, 'unauthorized', `No token: set ${TOKEN_ENV} (or pass token) to the token your instructor gave you.`);
  const answer = await toAnswer(options.answer);
  const body: SubmitBody = {
    studentId: options.studentId, name: options.name, assignmentId: options.assignmentId, questionId: options.questionId,
    answer: answer.kind === 'model' ? { model: encodeArtifact(answer.artifact) } : { code: answer.source },
    ...(options.claimed === undefined ? {} : { claimed: options.claimed }),
    submissionId: randomUUID(),
  };
  const text = JSON.stringify(body);
  const url = new URL('/v1/submissions', serverUrl);
  for (let attempt = 1; ; attempt++) {
    let response: { status: number; body: string };
    try {
      response = await postJson(url, token, text, options.timeoutMs ?? 15 * 60_000);
    } catch (error) {
      if (attempt < RETRIES) { await sleep(1000 * attempt); continue; }
      throw new Error(`Could not reach the grader at ${url.origin}: ${(error as Error).message}. Check ${SERVER_URL_ENV}, or unset it to grade locally.`);
    }
    if (response.status === 503 && attempt < RETRIES) { await sleep(2000 * attempt); continue; }
    const parsed = JSON.parse(response.body) as SubmitResponse | ErrorBody;
    if ('error' in parsed) throw new SubmissionRejectedError(response.status, parsed.error.code, parsed.error.message);
    return { mode: 'remote', ...parsed, recordedAt: url.origin };
  }
}

/** POSTs JSON with "Expect: 100-continue", so a server that refuses the size answers before the upload. */
function postJson(url: URL, token: string, text: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  const bytes = Buffer.from(text, 'utf8');
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': bytes.length, authorization: `Bearer ${token}`, expect: '100-continue' },
      timeout: timeoutMs,
    });
    let sent = false;
    const send = (): void => { if (!sent) { sent = true; request.end(bytes); } };
    request.once('continue', send);
    // Servers that ignore Expect never send 100 Continue: send anyway after a short wait (curl does the same).
    const fallback = setTimeout(send, 1000);
    request.once('response', (response) => {
      clearTimeout(fallback);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      const unsent = !sent;
      sent = true; // an early answer (413) means the body must not be sent
      response.once('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        if (unsent) request.destroy();
      });
      response.once('error', reject);
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('error', (error) => { clearTimeout(fallback); reject(error); });
  });
}

function show(display: boolean | ((markdown: string) => void), markdown: string): void {
  if (display === false) return;
  if (typeof display === 'function') return display(markdown);
  try {
    // tslab's display exists only inside the kernel; elsewhere it throws "Not ready" (or tslab is absent).
    const tslab = createRequire(import.meta.url)('tslab') as { display: { markdown(text: string): void } };
    tslab.display.markdown(markdown);
  } catch {
    console.log(markdownToText(markdown));
  }
}

function showPng(display: true | ((markdown: string) => void), png: Uint8Array): void {
  if (typeof display === 'function') return display(`![misclassified test images](data:image/png;base64,${Buffer.from(png).toString('base64')})`);
  try {
    const tslab = createRequire(import.meta.url)('tslab') as { display: { png(bytes: Uint8Array): void } };
    tslab.display.png(png);
  } catch {
    // Outside a notebook there is nowhere to show a picture; result.misclassifiedPng still has it.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
