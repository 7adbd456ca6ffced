// The grading server (node:http): token auth, body limits, rate limits, one evaluation at a time, every attempt committed before it is acknowledged.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exercise } from './exercises.js';
import { COURSE_EXERCISES, exerciseId, findExercise, publicExercise } from './exercises.js';
import { AuthError, BadRequestError, DeadlinePassedError, GraderError, PayloadTooLargeError, RateLimitError } from './errors.js';
import { gradebookLongCsv, gradebookWideCsv } from './export.js';
import { feedbackMarkdown } from './feedback.js';
import type { GradeResult } from './grade.js';
import { lateness } from './checks.js';
import { EvaluationQueue } from './queue.js';
import { gradeAndRecord } from './service.js';
import type { SubmissionOutcome } from './service.js';
import type { AttemptRecord, GradeStore, TokenRecord } from './store.js';
import type { TestSetLoader } from './test-data.js';
import { hashToken } from './tokens.js';
import { parseSubmitBody } from './wire.js';
import type { AttemptSummary, ErrorBody, SubmitResponse } from './wire.js';

/** Server settings; every default is chosen for one small (2-core) course server. */
export interface ServerOptions {
  store: GradeStore;
  exercises?: readonly Exercise[];
  /** Default 127.0.0.1: reachable only from this machine until you put a TLS proxy in front. */
  host?: string;
  /** Default 8710; 0 picks a free port (tests). */
  port?: number;
  /** Largest accepted body. 96 MiB holds a 15M-parameter float32 model as base64 (x4/3). */
  maxBodyBytes?: number;
  /** Submissions that may wait behind the running one before new ones get 503. */
  queueCapacity?: number;
  /** Time allowed to receive a whole request (slow uploads are cut off). */
  requestTimeoutMs?: number;
  loadTestSet?: TestSetLoader;
  now?: () => Date;
  /** Called for unexpected (500) errors; default logs to stderr. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_PORT = 8710;
export const DEFAULT_MAX_BODY_BYTES = 96 * 1024 * 1024;
// After a 413 we read and discard at most this much more before closing, so the client sees the answer.
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;

/** A started server. */
export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  queue: EvaluationQueue;
  close(): Promise<void>;
}

/** Starts listening; resolves once the port is bound. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const exercises = options.exercises ?? COURSE_EXERCISES;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const queue = new EvaluationQueue(options.queueCapacity ?? 64);
  const now = options.now ?? (() => new Date());
  const inFlight = new Map<string, number>();
  const context: HandlerContext = { ...options, exercises, maxBodyBytes, queue, now, inFlight };
  const server = http.createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => sendError(res, error, options.onError));
  });
  // Clients that send "Expect: 100-continue" learn about a too-large body before uploading it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) return sendError(res, new PayloadTooLargeError(maxBodyBytes, declared));
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  server.requestTimeout = options.requestTimeoutMs ?? 120_000;
  server.headersTimeout = Math.min(30_000, server.requestTimeout);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    queue,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface HandlerContext extends ServerOptions {
  exercises: readonly Exercise[];
  maxBodyBytes: number;
  queue: EvaluationQueue;
  now: () => Date;
  inFlight: Map<string, number>;
}

async function handle(context: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://grader.invalid');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') return sendJson(res, 200, { ok: true, running: context.queue.running, waiting: context.queue.waiting });
  if (route === 'GET /v1/exercises') return sendJson(res, 200, { exercises: context.exercises.map(publicExercise), maxBodyBytes: context.maxBodyBytes });
  if (route === 'POST /v1/submissions') return handleSubmit(context, req, res);
  if (route === 'GET /v1/attempts') {
    const token = authenticate(context.store, req);
    const studentId = token.role === 'instructor' ? url.searchParams.get('studentId') ?? undefined : token.studentId ?? undefined;
    if (token.role === 'student' && url.searchParams.has('studentId') && url.searchParams.get('studentId') !== token.studentId) throw new AuthError('A student token can only read its own attempts.', 403);
    return sendJson(res, 200, { attempts: context.store.attempts(studentId === undefined ? {} : { studentId }).map(summaryOf) });
  }
  if (route === 'GET /v1/gradebook.csv') {
    if (authenticate(context.store, req).role !== 'instructor') throw new AuthError('The gradebook needs the instructor token.', 403);
    const rows = context.store.gradebook();
    const csv = url.searchParams.get('format') === 'wide' ? gradebookWideCsv(rows) : gradebookLongCsv(rows);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="gradebook.csv"' });
    res.end(csv);
    return;
  }
  const known = ['GET /health', 'GET /v1/exercises', 'POST /v1/submissions', 'GET /v1/attempts', 'GET /v1/gradebook.csv'];
  const pathKnown = known.some((r) => r.endsWith(` ${url.pathname}`));
  req.resume();
  throw new GraderError(pathKnown ? 'method-not-allowed' : 'not-found', pathKnown ? 405 : 404, `No route ${route}. Routes: ${known.join(', ')}.`);
}

async function handleSubmit(context: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const token = authenticate(context.store, req);
  if (token.role !== 'student' || token.studentId === null) throw new AuthError('Submissions need a student token (the instructor token only reads).', 403);
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new GraderError('unsupported-media-type', 415, `Send the submission as application/json, got "${type}".`);
  const text = await readBody(req, context.maxBodyBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`The body is not valid JSON: ${(error as Error).message}.`, 'bad-json');
  }
  const body = parseSubmitBody(json);
  if (body.studentId !== undefined && body.studentId !== token.studentId) throw new AuthError(`This token belongs to ${token.studentId}, not ${body.studentId}.`, 403);
  const exercise = findExercise(exerciseId(body.assignmentId, body.questionId), context.exercises);
  if (body.submissionId !== undefined) {
    const earlier = context.store.attemptBySubmissionId(body.submissionId);
    if (earlier && earlier.studentId === token.studentId) return sendJson(res, 200, responseOf({ attempt: earlier, result: earlier.feedback as GradeResult, identicalTo: null }));
  }
  const late = lateness(exercise.deadline, context.now());
  if (late.pastHardDeadline && exercise.deadline?.hard) throw new DeadlinePassedError(exercise.id, exercise.deadline.hard);
  const key = `${token.studentId}\u0000${exercise.id}`;
  checkRateLimit(context, token.studentId, body.assignmentId, body.questionId, exercise, key);
  context.inFlight.set(key, (context.inFlight.get(key) ?? 0) + 1);
  try {
    const outcome = await context.queue.run(() =>
      // The class list's name wins over the one typed in the notebook.
      gradeAndRecord(context.store, { ...body, studentId: token.studentId as string, name: token.name || body.name || '' }, context));
    sendJson(res, 201, responseOf(outcome));
  } finally {
    const left = (context.inFlight.get(key) ?? 1) - 1;
    if (left === 0) context.inFlight.delete(key);
    else context.inFlight.set(key, left);
  }
}

function checkRateLimit(context: HandlerContext, studentId: string, assignmentId: string, questionId: string, exercise: Exercise, key: string): void {
  const { maxAttempts, windowMinutes } = exercise.rateLimit;
  const since = new Date(context.now().getTime() - windowMinutes * 60_000);
  const used = context.store.countAttemptsSince(studentId, assignmentId, questionId, since) + (context.inFlight.get(key) ?? 0);
  if (used >= maxAttempts) {
    throw new RateLimitError(`Rate limit: at most ${maxAttempts} attempts at ${exercise.id} per ${windowMinutes} minutes. Evaluate on a validation split locally and submit when you have a better model.`, windowMinutes * 60);
  }
}

function authenticate(store: GradeStore, req: http.IncomingMessage): TokenRecord {
  const header = req.headers.authorization;
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) throw new AuthError('Missing token: send "Authorization: Bearer <token>" with the token your instructor gave you (MNIST_GRADER_TOKEN).');
  const token = store.findToken(hashToken(match[1] as string));
  if (!token) throw new AuthError('Unknown or revoked token. Check MNIST_GRADER_TOKEN, or ask your instructor for a new one.');
  return token;
}

/** Reads the body as UTF-8, answering 413 as soon as the declared or received length passes the limit. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    discard(req);
    return Promise.reject(new PayloadTooLargeError(limit, declared));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        req.off('data', onData);
        chunks.length = 0;
        discard(req);
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('aborted', () => reject(new BadRequestError('The upload was interrupted; submit again.')));
  });
}

// Keep reading (and dropping) a rejected upload for a while, so the client finishes writing and reads the 413.
function discard(req: http.IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DISCARD_BYTES) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

function summaryOf(attempt: AttemptRecord, identicalTo: number | null = null): AttemptSummary {
  const { id, attemptNumber, createdAt, studentId, name, assignmentId, questionId, score, maxPoints, passed, claimFlagged, sha256 } = attempt;
  return { id, attemptNumber, createdAt, studentId, name, assignmentId, questionId, score, maxPoints, passed, claimFlagged, sha256, identicalTo };
}

function responseOf(outcome: SubmissionOutcome): SubmitResponse {
  return { attempt: summaryOf(outcome.attempt, outcome.identicalTo), result: outcome.result, feedback: feedbackMarkdown({ result: outcome.result, attempt: outcome.attempt, identicalTo: outcome.identicalTo }) };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, error: unknown, onError?: (error: unknown) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = error instanceof GraderError;
  if (!known) (onError ?? ((e: unknown) => console.error('grader: unexpected error', e)))(error);
  const status = known ? error.status : 500;
  const body: ErrorBody = { error: known ? { code: error.code, message: error.message } : { code: 'internal', message: 'The grader hit an unexpected error; nothing was recorded. Try again, and tell your instructor if it persists.' } };
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8' };
  if (error instanceof RateLimitError) headers['retry-after'] = String(error.retryAfterSeconds);
  if (status === 413) headers['connection'] = 'close';
  try {
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  } catch {
    res.destroy(); // the client is gone; nothing else to do, and the server must not fall over
  }
}
