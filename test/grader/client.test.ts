import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/models/index.js';
import { SubmissionRejectedError, submit } from '../../grader/client.js';
import { SGD_GRADIENT_EXERCISE } from '../../grader/exercises.js';
import { startServer } from '../../grader/server.js';
import type { RunningServer } from '../../grader/server.js';
import { GradeStore } from '../../grader/store.js';
import type { IssuedToken } from '../../grader/tokens.js';
import { TEST_EXERCISE, storeWithTokens, tempDir, tinyDenseModel } from './fixtures.js';

// The student's function, written as a notebook would (TypeScript compiles it to this JavaScript).
function gradient(X: number[][], Y: number[][], W: number[][]): number[][] {
  const n = X.length;
  const residual = X.map((x, i) => (W[0] as number[]).map((_, j) => x.reduce((s, v, m) => s + v * (W[m] as number[])[j]!, 0) - (Y[i] as number[])[j]!));
  return W.map((_, m) => (W[0] as number[]).map((_, j) => residual.reduce((s, r, i) => s + (X[i] as number[])[m]! * r[j]!, 0) / n));
}

const ids = { studentId: 's1', name: 'Ada', assignmentId: 'test', questionId: 'mnist-lowered' };
let server: RunningServer;
let store: GradeStore;
let students: IssuedToken[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ store, students } = storeWithTokens(2));
  server = await startServer({ store, port: 0, exercises: [TEST_EXERCISE, SGD_GRADIENT_EXERCISE] });
});

afterAll(async () => {
  await server?.close();
  store?.close();
});

describe('submit() without a server (local mode)', () => {
  it('grades an in-memory model, records it in a local SQLite file and shows the feedback', async () => {
    const databasePath = path.join(tempDir(), 'local.sqlite');
    const shown: string[] = [];
    const model = tinyDenseModel();
    const result = await submit({ ...ids, answer: { model }, serverUrl: '', databasePath, exercises: [TEST_EXERCISE], display: (md) => shown.push(md) });
    model.dispose();
    expect(result.mode).toBe('local');
    expect(result.recordedAt).toBe(databasePath);
    expect(result.attempt).toMatchObject({ studentId: 's1', attemptNumber: 1 });
    expect(result.result.evaluatedImages).toBe(TEST_EXERCISE.limit);
    expect(shown[0]).toContain('Measured accuracy');
    expect(shown[0]).toContain('no server configured');
    // Under the feedback, a PNG grid of misclassified digits drawn with the course's imshow.
    expect(Buffer.from(result.misclassifiedPng ?? []).subarray(1, 4).toString()).toBe('PNG');
    expect(shown[1]).toMatch(/^!\[misclassified test images\]\(data:image\/png;base64,/);
    const local = GradeStore.open({ path: databasePath });
    expect(local.attempts()).toHaveLength(1);
    local.close();
  });

  it('grades a function object by its source', async () => {
    const result = await submit({ ...ids, assignmentId: '14_sgd-from-scratch', questionId: '00_gradient', answer: { code: gradient }, serverUrl: '', databasePath: path.join(tempDir(), 'l.sqlite'), display: false });
    expect(result.result.passed).toBe(true);
  });
});

describe('submit() with a server', () => {
  it('posts a saved model folder with the student token and returns the recorded attempt', async () => {
    const dir = tempDir();
    const model = tinyDenseModel();
    await saveModel(model, dir);
    model.dispose();
    const result = await submit({ ...ids, answer: { modelDir: dir }, claimed: 0.5, serverUrl: server.url, token: students[0]?.token, display: false });
    expect(result.mode).toBe('remote');
    expect(result.attempt).toMatchObject({ studentId: 's1', assignmentId: 'test', questionId: 'mnist-lowered' });
    expect(result.feedback).toContain('Claimed');
    expect(store.attempts({ studentId: 's1' })).toHaveLength(1);
  });

  it('throws a typed error carrying the server reason', async () => {
    const attempt = submit({ ...ids, questionId: 'nope', answer: { code: 'x' }, serverUrl: server.url, token: students[0]?.token, display: false });
    await expect(attempt).rejects.toBeInstanceOf(SubmissionRejectedError);
    await expect(attempt).rejects.toMatchObject({ status: 404, code: 'unknown-exercise' });
  });

  it('is answered 413 before uploading when the server limit is smaller than the model', async () => {
    const tiny = await startServer({ store, port: 0, exercises: [TEST_EXERCISE], maxBodyBytes: 1000 });
    try {
      const model = tinyDenseModel();
      const attempt = submit({ ...ids, answer: { model }, serverUrl: tiny.url, token: students[0]?.token, display: false });
      await expect(attempt).rejects.toMatchObject({ status: 413, code: 'payload-too-large' });
      model.dispose();
    } finally {
      await tiny.close();
    }
  });
});
