import { initBackend } from '../../src/backend/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../grader/csv.js';
import type { CodeExercise, Exercise } from '../../grader/exercises.js';
import { MNIST_EXERCISE, SGD_GRADIENT_EXERCISE } from '../../grader/exercises.js';
import { artifactFromModel, encodeArtifact } from '../../grader/model-artifact.js';
import type { WireModel } from '../../grader/model-artifact.js';
import { startServer } from '../../grader/server.js';
import type { RunningServer } from '../../grader/server.js';
import type { GradeStore } from '../../grader/store.js';
import type { IssuedToken } from '../../grader/tokens.js';
import type { ErrorBody, SubmitResponse } from '../../grader/wire.js';
import { TEST_EXERCISE, storeWithTokens, trainSmallDenseModel } from './fixtures.js';

const CLOSED: Exercise = { ...TEST_EXERCISE, id: 'test/closed', deadline: { hard: '2020-01-01T00:00:00Z' } };
// The burst of 50 evaluates 100 images each: the test is about recording, not accuracy.
const BURST: Exercise = { ...TEST_EXERCISE, id: 'test/burst', limit: 100 };
const LIMITED: CodeExercise = { ...SGD_GRADIENT_EXERCISE, id: 'test/limited', rateLimit: { maxAttempts: 2, windowMinutes: 60 } };
const MAX_BODY = 2 * 1024 * 1024;

let server: RunningServer;
let store: GradeStore;
let students: IssuedToken[];
let instructor: string;
let trained: WireModel;

const split = (id: string) => ({ assignmentId: id.split('/')[0] as string, questionId: id.split('/')[1] as string });

async function post(body: unknown, token: string | undefined, init: { contentType?: string; raw?: string } = {}): Promise<{ status: number; json: SubmitResponse & ErrorBody }> {
  const response = await fetch(`${server.url}/v1/submissions`, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: init.raw ?? JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as SubmitResponse & ErrorBody };
}

const modelBody = (id: string, model: WireModel, extra: object = {}) => ({ ...split(id), answer: { model }, ...extra });

beforeAll(async () => {
  // wasm trains the fixture model about twice as fast as cpu here, with the same result.
  await initBackend({ backend: 'wasm', log: () => undefined });
  ({ store, students, instructor } = storeWithTokens(5));
  const model = await trainSmallDenseModel();
  trained = encodeArtifact(await artifactFromModel(model));
  model.dispose();
  server = await startServer({ store, port: 0, exercises: [MNIST_EXERCISE, TEST_EXERCISE, SGD_GRADIENT_EXERCISE, CLOSED, LIMITED, BURST], maxBodyBytes: MAX_BODY });
});

afterAll(async () => {
  await server?.close();
  store?.close();
});

describe('grading through the server', () => {
  it('binds 127.0.0.1 on an ephemeral port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('fails a small trained model on the 99.8% MNIST exercise, measured on all 10,000 test images', async () => {
    const { status, json } = await post(modelBody(MNIST_EXERCISE.id, trained), students[0]?.token);
    expect(status).toBe(201);
    expect(json.result.evaluatedImages).toBe(10_000);
    expect(json.result.measured).toBeGreaterThan(0.5);
    expect(json.result.measured).toBeLessThan(0.998);
    expect(json.result.passed).toBe(false);
    expect(json.result.accuracy?.standardError).toBeCloseTo(Math.sqrt((json.result.measured! * (1 - json.result.measured!)) / 10_000), 12);
    expect(json.result.confusion?.flat().reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(json.result.misclassifiedCount).toBe(10_000 - json.result.accuracy!.correct);
    expect(json.feedback).toContain('Pass rule');
    expect(json.attempt).toMatchObject({ studentId: 's1', attemptNumber: 1, passed: false });
  });

  it('passes the same model on a test exercise with a lowered threshold, and shows identical resubmissions', async () => {
    const first = await post(modelBody(TEST_EXERCISE.id, trained), students[0]?.token);
    const second = await post(modelBody(TEST_EXERCISE.id, trained), students[0]?.token);
    expect(first.json.result).toMatchObject({ passed: true, score: TEST_EXERCISE.points, evaluatedImages: 1000 });
    expect(second.json.attempt).toMatchObject({ attemptNumber: 2, identicalTo: 1 });
    expect(second.json.feedback).toContain('identical to your attempt 1');
  });

  it('flags a claimed accuracy that disagrees with the measurement, and not one that agrees', async () => {
    const bold = await post(modelBody(TEST_EXERCISE.id, trained, { claimed: 99.9 }), students[1]?.token);
    expect(bold.json.attempt.claimFlagged).toBe(true);
    expect(bold.json.result.claim?.flagged).toBe(true);
    expect(bold.json.result.claim?.claimed).toBeCloseTo(0.999, 12);
    const honest = await post(modelBody(TEST_EXERCISE.id, trained, { claimed: bold.json.result.measured }), students[1]?.token);
    expect(honest.json.attempt.claimFlagged).toBe(false);
    expect(store.attempts({ studentId: 's2' }).map((a) => a.claimFlagged)).toEqual([true, false]);
  });

  it('grades code submissions in the sandbox', async () => {
    const code = 'function gradient(X, Y, W) { return W.map((row) => row.map(() => 0)); }';
    const { status, json } = await post({ ...split(SGD_GRADIENT_EXERCISE.id), answer: { code } }, students[2]?.token);
    expect(status).toBe(201);
    expect(json.result.passed).toBe(false);
    expect(json.result.cases).toHaveLength(SGD_GRADIENT_EXERCISE.shapes.length);
  });

  it('records a retried submission id once', async () => {
    const body = modelBody(TEST_EXERCISE.id, trained, { submissionId: 'retry-me' });
    const first = await post(body, students[3]?.token);
    const again = await post(body, students[3]?.token);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.json.attempt.id).toBe(first.json.attempt.id);
    expect(store.attempts({ studentId: 's4' })).toHaveLength(1);
  });
});

describe('bad input gets a 4xx with a clear message and the server keeps running', () => {
  const tamper = (edit: (json: any) => void): WireModel => {
    const modelJson = structuredClone(trained.modelJson) as any;
    edit(modelJson);
    return { modelJson, weightsBase64: trained.weightsBase64 };
  };

  it.each([
    ['no token', 401, 'unauthorized', () => post(modelBody(TEST_EXERCISE.id, trained), undefined)],
    ['a wrong token', 401, 'unauthorized', () => post(modelBody(TEST_EXERCISE.id, trained), 'mgt_wrong')],
    ['the instructor token', 403, 'forbidden', () => post(modelBody(TEST_EXERCISE.id, trained), instructor)],
    ["someone else's student id", 403, 'forbidden', () => post(modelBody(TEST_EXERCISE.id, trained, { studentId: 's2' }), students[0]?.token)],
    ['bad JSON', 400, 'bad-json', () => post(null, students[0]?.token, { raw: '{"assignmentId": "13_pytorch-mnist", ' })],
    ['a missing answer', 400, 'bad-request', () => post(split(TEST_EXERCISE.id), students[0]?.token)],
    ['a form upload', 415, 'unsupported-media-type', () => post(null, students[0]?.token, { raw: 'a=1', contentType: 'application/x-www-form-urlencoded' })],
    ['an unknown exercise', 404, 'unknown-exercise', () => post(modelBody('13_pytorch-mnist/99_nope', trained), students[0]?.token)],
    ['truncated weights', 422, 'invalid-model', () => post(modelBody(TEST_EXERCISE.id, { ...trained, weightsBase64: trained.weightsBase64.slice(0, 4000) }), students[0]?.token)],
    ['a wrong dtype', 422, 'invalid-model', () => post(modelBody(TEST_EXERCISE.id, tamper((j) => { j.weightsManifest[0].weights[0].dtype = 'int32'; })), students[0]?.token)],
    ['a wrong input shape', 422, 'invalid-model', () => post(modelBody(TEST_EXERCISE.id, tamper((j) => { j.modelTopology.config.layers[0].config.batch_input_shape = [null, 100]; })), students[0]?.token)],
    ['a custom layer', 422, 'invalid-model', () => post(modelBody(TEST_EXERCISE.id, tamper((j) => { j.modelTopology.config.layers[0].class_name = 'Lambda'; })), students[0]?.token)],
    ['a submission past the hard deadline', 403, 'deadline-passed', () => post(modelBody(CLOSED.id, trained), students[0]?.token)],
  ])('answers %s with %i', async (_what, status, code, send) => {
    const { status: got, json } = await send();
    expect(got).toBe(status);
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(20);
  });

  it('answers a huge upload with 413 before reading it all', async () => {
    const { status, json } = await post(null, students[0]?.token, { raw: `{"pad":"${'x'.repeat(MAX_BODY + 10)}"}` });
    expect(status).toBe(413);
    expect(json.error.message).toMatch(/limit is 2097152 bytes/);
  });

  it('limits attempts per student and exercise with 429 and Retry-After', async () => {
    const body = { ...split(LIMITED.id), answer: { code: 'function gradient() { return []; }' } };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(body, students[4]?.token)).status);
    expect(statuses).toEqual([201, 201, 429]);
    const response = await fetch(`${server.url}/v1/submissions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${students[4]?.token}` }, body: JSON.stringify(body) });
    expect(response.headers.get('retry-after')).toBe('3600');
    expect((await post({ ...body, ...split(TEST_EXERCISE.id), answer: { model: trained } }, students[4]?.token)).status).toBe(201);
  });

  it('publishes the exercises without the hidden tests\' seed', async () => {
    const { exercises } = (await (await fetch(`${server.url}/v1/exercises`)).json()) as { exercises: Array<Record<string, unknown>> };
    expect(exercises.map((e) => e['id'])).toContain(SGD_GRADIENT_EXERCISE.id);
    expect(exercises.every((e) => !('seed' in e))).toBe(true);
  });

  it('is still healthy afterwards', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });
});

describe('concurrency and the gradebook', () => {
  it('records 50 concurrent submissions exactly once each', async () => {
    const before = store.attempts().length;
    const sends = Array.from({ length: 50 }, (_, i) => post(modelBody(BURST.id, trained, { submissionId: `burst-${i}` }), students[i % 5]?.token));
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual(new Array(50).fill(201));
    const burst = store.attempts().filter((a) => a.submissionId?.startsWith('burst-'));
    expect(store.attempts().length - before).toBe(50);
    expect(new Set(burst.map((a) => a.submissionId)).size).toBe(50);
    for (const student of students) {
      const numbers = store.attempts({ studentId: student.studentId, ...split(BURST.id) }).map((a) => a.attemptNumber);
      expect(numbers).toHaveLength(10);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
  });

  it('serves the gradebook CSV to the instructor only', async () => {
    const csv = await fetch(`${server.url}/v1/gradebook.csv`, { headers: { authorization: `Bearer ${instructor}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(await csv.text());
    expect(rows[0]?.slice(0, 4)).toEqual(['student_id', 'name', 'assignment_id', 'question_id']);
    expect(rows.find((r) => r[0] === 's1' && r[3] === '00_mnist-data')?.[1]).toBe('Student, "1"');
    const denied = await fetch(`${server.url}/v1/gradebook.csv`, { headers: { authorization: `Bearer ${students[0]?.token}` } });
    expect(denied.status).toBe(403);
  });

  it("shows a student only their own attempts", async () => {
    const own = await fetch(`${server.url}/v1/attempts`, { headers: { authorization: `Bearer ${students[1]?.token}` } });
    const { attempts } = (await own.json()) as { attempts: Array<{ studentId: string }> };
    expect(new Set(attempts.map((a) => a.studentId))).toEqual(new Set(['s2']));
    const other = await fetch(`${server.url}/v1/attempts?studentId=s1`, { headers: { authorization: `Bearer ${students[1]?.token}` } });
    expect(other.status).toBe(403);
  });
});

describe('a full queue', () => {
  it('answers 503 and records nothing for submissions beyond its capacity', async () => {
    const small = await startServer({ store, port: 0, exercises: [SGD_GRADIENT_EXERCISE], queueCapacity: 0 });
    const before = store.attempts().length;
    try {
      const slow = 'function gradient(X, Y, W) { const end = Date.now() + 300; while (Date.now() < end) {} return []; }';
      const send = (i: number) => fetch(`${small.url}/v1/submissions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${students[i]?.token}` },
        body: JSON.stringify({ ...split(SGD_GRADIENT_EXERCISE.id), answer: { code: slow } }),
      });
      const first = send(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [second, third] = await Promise.all([send(1), send(2)]);
      expect([second.status, third.status]).toEqual([503, 503]);
      expect(((await second.json()) as ErrorBody).error.code).toBe('queue-full');
      expect((await first).status).toBe(201);
      expect(store.attempts().length - before).toBe(1);
    } finally {
      await small.close();
    }
  });
});
