import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { leastSquaresCases, leastSquaresGradient } from '../../grader/code-cases.js';
import { SGD_GRADIENT_EXERCISE } from '../../grader/exercises.js';
import { gradeSubmission } from '../../grader/grade.js';
import { runInSandbox } from '../../grader/sandbox.js';

// What a student writes in the SGD notebook, as plain JavaScript (tslab's compiled output of the TypeScript cell).
const REFERENCE_SOURCE = `function gradient(X, Y, W) {
  const n = X.length, d = W.length, k = W[0].length;
  const residual = X.map((x, i) => Array.from({ length: k }, (_, j) => x.reduce((s, v, m) => s + v * W[m][j], 0) - Y[i][j]));
  return Array.from({ length: d }, (_, m) => Array.from({ length: k }, (_, j) => residual.reduce((s, r, i) => s + X[i][m] * r[j], 0) / n));
}`;
const MISSING_N_SOURCE = REFERENCE_SOURCE.replace(' / n))', '))');
const FLAT_ARROW_SOURCE = `(X, Y, W) => {
  const n = X.length, d = W.length, k = W[0].length, out = new Float32Array(d * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    let r = -Y[i][j];
    for (let m = 0; m < d; m++) r += X[i][m] * W[m][j];
    for (let m = 0; m < d; m++) out[m * k + j] += X[i][m] * r / n;
  }
  return out;
}`;
const grade = (code: string) => gradeSubmission({ exercise: SGD_GRADIENT_EXERCISE, answer: { kind: 'code', source: code } });

describe('the least-squares reference', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches tf.grad of 0.5 ||XW - Y||^2 / n within 1e-5', () => {
    for (const testCase of leastSquaresCases([[5, 4, 3], [16, 9, 10]], 1)) {
      const before = tf.memory().numTensors;
      const expected = tf.tidy(() => {
        const X = tf.tensor2d(testCase.X);
        const Y = tf.tensor2d(testCase.Y);
        const loss = (W: tf.Tensor) => tf.mul(0.5 / testCase.n, tf.sum(tf.square(tf.sub(tf.matMul(X, W), Y))));
        return tf.grad(loss)(tf.tensor2d(testCase.W)).dataSync();
      });
      expect(tf.memory().numTensors).toBe(before);
      const got = leastSquaresGradient(testCase);
      got.forEach((value, i) => expect(Math.abs(value - (expected[i] as number))).toBeLessThan(1e-5));
    }
  });

  it('makes the same hidden cases from the same seed', () => {
    expect(leastSquaresCases([[3, 2, 4]], 9)).toEqual(leastSquaresCases([[3, 2, 4]], 9));
  });
});

describe('grading the gradient exercise', () => {
  it('passes a correct gradient on every hidden shape', async () => {
    const result = await grade(REFERENCE_SOURCE);
    expect(result.cases.map((c) => c.passed)).toEqual(SGD_GRADIENT_EXERCISE.shapes.map(() => true));
    expect(result.passed).toBe(true);
    expect(result.score).toBe(SGD_GRADIENT_EXERCISE.points);
  });

  it('accepts an arrow function that returns a flat Float32Array', async () => {
    expect((await grade(FLAT_ARROW_SOURCE)).passed).toBe(true);
  });

  it('fails a gradient missing the division by n and says so', async () => {
    const result = await grade(MISSING_N_SOURCE);
    expect(result.passed).toBe(false);
    // The 1x1x1 case has n = 1, where forgetting /n changes nothing.
    expect(result.cases.filter((c) => c.passed)).toHaveLength(1);
    expect(result.cases[1]?.message).toMatch(/divide by n/);
    expect(result.score).toBeCloseTo(SGD_GRADIENT_EXERCISE.points / SGD_GRADIENT_EXERCISE.shapes.length, 6);
  });

  it('explains a flipped sign and a transposed result', async () => {
    const flipped = await grade(REFERENCE_SOURCE.replace('- Y[i][j]', '').replace('x.reduce(', 'Y[i][j] - x.reduce('));
    expect(flipped.cases[2]?.message).toMatch(/X W - Y, not Y - X W/);
    const transposed = await grade('function gradient(X, Y, W) { return W[0].map((_, j) => W.map(() => 0)); }');
    expect(transposed.cases[2]?.message).toMatch(/looks transposed/);
  });

  it('reports source that defines no gradient function', async () => {
    const result = await grade('const grad = 3;');
    expect(result.passed).toBe(false);
    expect(result.notes[0]).toMatch(/defines no function named gradient/);
  });
});

describe('the sandbox', () => {
  it('has no require, process or string code generation', async () => {
    const run = await runInSandbox('function f() { return [typeof require, typeof process, typeof setTimeout].map((t) => t === "undefined" ? 1 : 0); }', 'f', [[]], { timeoutMs: 1000 });
    expect(run.results[0]).toEqual({ ok: true, shape: [3], values: [1, 1, 1] });
    const escape = await runInSandbox('function f() { return [f.constructor("return 1")()]; }', 'f', [[]], { timeoutMs: 1000 });
    expect(escape.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/Code generation from strings disallowed/) });
  });

  it('stops an infinite loop at the timeout and skips the remaining cases', async () => {
    const run = await runInSandbox('function f() { for (;;) {} }', 'f', [[], []], { timeoutMs: 200 });
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/timed out/) });
  });

  it('survives a function that exhausts its memory limit', async () => {
    const run = await runInSandbox('function f() { const a = []; for (;;) a.push(new Array(1e5).fill(1)); }', 'f', [[]], { timeoutMs: 10_000, memoryMb: 32 });
    expect(run.compileError).toMatch(/memory|exited/);
  });

  it('passes arguments in as fresh copies', async () => {
    const run = await runInSandbox('function f(a) { a[0] = 5; return a; }', 'f', [[[1, 2]]], { timeoutMs: 1000 });
    expect(run.results[0]).toEqual({ ok: true, shape: [2], values: [5, 2] });
  });
});
