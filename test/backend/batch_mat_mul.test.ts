// Tests for our wasm BatchMatMul with transposed operands: cpu's products and Dense gradients, and no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, randomValues, relativeError } from './reference.js';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Sums of up to 784 float32 products in another order than cpu's loop agree to ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-4;

const cases: Case[] = [
  { a: [32, 784], b: [32, 128], transposeA: true, transposeB: false }, // the MLP's first dW = xᵀ·dy
  { a: [32, 128], b: [784, 128], transposeA: false, transposeB: true }, // its dx = dy·Wᵀ
  { a: [5, 3], b: [4, 5], transposeA: true, transposeB: true },
  { a: [4, 3], b: [3, 2], transposeA: false, transposeB: false },
  { a: [2, 6, 3], b: [2, 6, 4], transposeA: true, transposeB: false }, // batched
  { a: [3, 5, 4], b: [1, 2, 4], transposeA: false, transposeB: true }, // batch dimension broadcast
];

function operands(c: Case): [tf.Tensor, tf.Tensor] {
  return [tf.tensor(randomValues(tf.util.sizeFromShape(c.a), 1), c.a), tf.tensor(randomValues(tf.util.sizeFromShape(c.b), 2), c.b)];
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('BatchMatMul on wasm', () => {
  it.each(cases)('matches the cpu backend for $a x $b, transposeA $transposeA, transposeB $transposeB', async (c) => {
    const product = (): tf.Tensor[] => [tf.matMul(...operands(c), c.transposeA, c.transposeB)];
    const [want] = await onBackend('cpu', product);
    const [got] = await onBackend('wasm', product);
    expect(got?.shape).toEqual(want?.shape);
    expect(relativeError(got?.values ?? [], want?.values ?? [])).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it('gives the cpu backend\'s gradients of a Dense layer', async () => {
    const gradients = (): tf.Tensor[] => {
      const x = tf.tensor(randomValues(16 * 20, 3), [16, 20]);
      const [w, bias] = [tf.tensor(randomValues(20 * 7, 4), [20, 7]), tf.tensor(randomValues(7, 5), [7])];
      const dense = (input: tf.Tensor, kernel: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        tf.sum(tf.square(tf.fused.matMul({ a: input as tf.Tensor2D, b: kernel as tf.Tensor2D, bias: b, activation: 'relu' })));
      return tf.grads(dense)([x, w, bias]);
    };
    const want = await onBackend('cpu', gradients);
    const got = await onBackend('wasm', gradients);
    want.forEach((w, i) => expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(RELATIVE_TOLERANCE));
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const [a, b] = [tf.randomNormal([6, 4]), tf.randomNormal([5, 6])];
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) tf.dispose(tf.matMul(a, b, true, true));
    // numDataIds counts the transposed copies too, which the engine never sees.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([a, b]);
  });
});
