// Tests for our wasm Tile: the same values as the cpu backend for every rank and dtype, the BatchNorm gradient, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, randomValues, relativeError } from './reference.js';

interface Case {
  shape: number[];
  reps: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

const cases: Case[] = [
  { shape: [3], reps: [4], dtype: 'float32' },
  { shape: [2, 3], reps: [2, 1], dtype: 'float32' },
  { shape: [2, 3], reps: [1, 3], dtype: 'int32' },
  { shape: [2, 3, 2], reps: [3, 2, 2], dtype: 'float32' },
  { shape: [1, 1, 1, 8], reps: [5, 4, 4, 1], dtype: 'float32' }, // the BatchNorm gradient's tile
  { shape: [2, 1, 3, 2], reps: [2, 3, 1, 2], dtype: 'bool' },
  { shape: [2, 2, 1, 2, 3], reps: [1, 2, 3, 1, 2], dtype: 'int32' },
  { shape: [2, 0, 3], reps: [2, 2, 2], dtype: 'float32' }, // empty
  { shape: [2, 3], reps: [0, 2], dtype: 'float32' },
];

function input(c: Case): tf.Tensor {
  const values = randomValues(tf.util.sizeFromShape(c.shape), 5);
  if (c.dtype === 'float32') return tf.tensor(values, c.shape);
  return tf.tensor(Array.from(values, (v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 100))), c.shape, c.dtype);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('Tile on wasm', () => {
  it.each(cases)('matches the cpu backend for $dtype $shape tiled $reps', async (c) => {
    const [want] = await onBackend('cpu', () => [tf.tile(input(c), c.reps)]);
    const [got] = await onBackend('wasm', () => [tf.tile(input(c), c.reps)]);
    expect(got?.shape).toEqual(want?.shape);
    expect(Array.from(got?.values ?? [])).toEqual(Array.from(want?.values ?? []));
  });

  it('gives the cpu backend\'s BatchNorm gradients (which tile the scale over the batch)', async () => {
    const shape = [4, 5, 5, 3];
    const gradients = (): tf.Tensor[] => {
      const x = tf.tensor(randomValues(tf.util.sizeFromShape(shape), 7), shape);
      const weights = tf.tensor(randomValues(tf.util.sizeFromShape(shape), 8), shape);
      const [scale, offset] = [tf.tensor1d([1.5, 0.5, -1]), tf.tensor1d([0.1, 0.2, 0.3])];
      const loss = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
        const { mean, variance } = tf.moments(input, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(input, mean, variance, b, g, 1e-5), weights));
      };
      return tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)([x, scale, offset]);
    };
    const want = await onBackend('cpu', gradients);
    const got = await onBackend('wasm', gradients);
    // Means and variances over 100 values in another order than cpu's: float32 agrees to ~1e-6.
    want.forEach((w, i) => expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(1e-4));
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([1, 1, 1, 8]);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) tf.dispose(tf.tile(x, [4, 3, 3, 1]));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    x.dispose();
  });
});
