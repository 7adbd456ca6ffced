// Tests for our BatchNorm gradients: the same values as TF.js's own (restored for comparison) on cpu and wasm.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, registerWasmTrainingKernels, restoreWasmKernels } from '../../src/backend/index.js';
import { onBackend, randomValues, relativeError } from './reference.js';

// Per-channel sums of a few hundred float32 terms, in another order: they agree to ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-4;

// Always with a scale, as tf.layers.batchNormalization has: TF.js's own gradient cannot save a missing scale.
interface Case {
  shape: number[];
}

const cases: Case[] = [{ shape: [4, 5, 5, 3] }, { shape: [8, 3, 3, 6] }, { shape: [6, 4] } /* BatchNorm1d-like */];

/** Gradients of sum(batchNorm(x, moments(x), beta, gamma) * weights) for x, gamma, beta: training-mode BatchNorm. */
function trainingGradients(c: Case): () => tf.Tensor[] {
  return () => {
    const channels = c.shape[c.shape.length - 1] as number;
    const x = tf.tensor(randomValues(tf.util.sizeFromShape(c.shape), 1), c.shape);
    const weights = tf.tensor(randomValues(tf.util.sizeFromShape(c.shape), 2), c.shape);
    const gamma = tf.add(tf.tensor(randomValues(channels, 3)), 1.5);
    const beta = tf.tensor(randomValues(channels, 4));
    const axes = c.shape.slice(0, -1).map((_, i) => i);
    const normalized = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(input, axes);
      return tf.sum(tf.mul(tf.batchNorm(input, mean, variance, b, g, 1e-5), weights));
    };
    return tf.grads(normalized)([x, gamma, beta]);
  };
}

/** Gradients w.r.t. x, mean, variance, scale, offset of a batchNorm with given (not batch) statistics. */
function inferenceGradients(): tf.Tensor[] {
  const x = tf.tensor(randomValues(2 * 3 * 3 * 4, 5), [2, 3, 3, 4]);
  const stats = [6, 7, 8, 9].map((seed) => tf.tensor(randomValues(4, seed)));
  const [mean, rawVariance, scale, offset] = stats as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const variance = tf.add(tf.abs(rawVariance), 0.5);
  const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.batchNorm(a, m, v, o, s, 1e-3)));
  return tf.grads(f)([x, mean, variance, scale, offset]);
}

async function compareWithOwn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<void> {
  restoreWasmKernels();
  const want = await onBackend(backend, compute);
  registerWasmTrainingKernels();
  const got = await onBackend(backend, compute);
  expect(got).toHaveLength(want.length);
  want.forEach((w, i) => {
    expect(got[i]?.shape).toEqual(w.shape);
    expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(RELATIVE_TOLERANCE);
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

afterAll(() => {
  registerWasmTrainingKernels();
});

describe('BatchNorm gradients', () => {
  it.each(cases)('match TF.js\'s own in training mode on cpu for $shape', async (c) => {
    await compareWithOwn('cpu', trainingGradients(c));
  });

  it.each(cases)('match TF.js\'s own in training mode on wasm for $shape', async (c) => {
    await compareWithOwn('wasm', trainingGradients(c));
  });

  it('match TF.js\'s own for given statistics, gradients of mean, variance, scale and offset included', async () => {
    await compareWithOwn('cpu', inferenceGradients);
  });

  it('match TF.js\'s own for a mean over inner axes', async () => {
    await compareWithOwn('cpu', () => [tf.grad((x) => tf.sum(tf.square(tf.mean(x, [1, 2]))))(tf.tensor(randomValues(60, 10), [3, 4, 5]))]);
  });

  it('leave no tensors behind', async () => {
    await tf.setBackend('wasm');
    const compute = trainingGradients(cases[0] as Case);
    const before = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) tf.dispose(tf.tidy(compute));
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
  });
});
