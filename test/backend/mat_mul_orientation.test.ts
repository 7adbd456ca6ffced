// Tests for wasm matrix products in the cheaper orientation: cost choices, cpu's values and gradients, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { orientationCosts, PACK_COST, transposeWithBias } from '../../src/backend/mat_mul_orientation.js';
import { onBackend, relativeError, seededTensor } from './reference.js';

// Sums of up to 784 float32 products in another order than cpu's loop agree to ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-4;

const tensor = seededTensor;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('orientationCosts', () => {
  it('swaps the MLP\'s first dx = dy·Wᵀ, which would pack the 784x128 Wᵀ, and keeps its dW = xᵀ·dy direct', () => {
    // dx: m 32, k 128, n 784. direct: transpose W and pack it; swapped: transpose dy, pack dyᵀ, transpose the result.
    expect(orientationCosts(32, 128, 784, false, true)).toEqual({ direct: 128 * 784 * (1 + PACK_COST), swapped: 32 * 128 * (1 + PACK_COST) + 32 * 784 });
    const dW = orientationCosts(784, 32, 128, true, false);
    expect(dW.direct).toBeLessThan(dW.swapped);
  });

  it('swaps a Dense forward at batch 32 (packs x, not W) but not at batch 10,000', () => {
    const training = orientationCosts(32, 784, 128, false, false);
    expect(training.swapped).toBeLessThan(training.direct);
    const evaluation = orientationCosts(10000, 784, 128, false, false);
    expect(evaluation.direct).toBeLessThan(evaluation.swapped);
  });
});

describe('transposeWithBias', () => {
  it('transposes [n, m] to [m, n], adding the bias of each column and applying the activation', () => {
    const out = new Float32Array(6);
    // productT [3, 2] = [[1, 2], [3, 4], [-5, 6]], bias [10, 20, 30], relu.
    transposeWithBias(Float32Array.from([1, 2, 3, 4, -5, 6]), 3, 2, Float32Array.from([10, 20, 30]), (v) => Math.max(v, 0), out);
    expect([...out]).toEqual([11, 23, 25, 12, 24, 36]);
  });
});

describe('BatchMatMul and _FusedMatMul on wasm in either orientation', () => {
  const products: [string, () => tf.Tensor[]][] = [
    ['the MLP\'s first dx = dy·Wᵀ (swapped)', () => [tf.matMul(tensor([32, 128], 1), tensor([784, 128], 2), false, true)]],
    ['its dW = xᵀ·dy (direct)', () => [tf.matMul(tensor([32, 784], 3), tensor([32, 128], 4), true, false)]],
    ['both operands transposed', () => [tf.matMul(tensor([40, 3], 5), tensor([50, 40], 6), true, true)]],
    ['a Dense forward with bias (swapped)', () => [tf.fused.matMul({ a: tensor([32, 784], 7) as tf.Tensor2D, b: tensor([784, 128], 8) as tf.Tensor2D, bias: tensor([128], 9) })]],
    ['a Dense forward with bias and relu', () => [tf.fused.matMul({ a: tensor([32, 64], 10) as tf.Tensor2D, b: tensor([64, 64], 11) as tf.Tensor2D, bias: tensor([64], 12), activation: 'relu' })]],
    ['a Dense forward without bias', () => [tf.fused.matMul({ a: tensor([8, 30], 13) as tf.Tensor2D, b: tensor([30, 20], 14) as tf.Tensor2D })]],
  ];

  it.each(products)('matches the cpu backend for %s', async (_, product) => {
    const [want] = await onBackend('cpu', product);
    const [got] = await onBackend('wasm', product);
    expect(got?.shape).toEqual(want?.shape);
    expect(relativeError(got?.values ?? [], want?.values ?? [])).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it('gives the same forward when the same weights come again (the direct way, with wasm\'s cached packing)', async () => {
    await tf.setBackend('wasm');
    const [x, w, bias] = [tensor([32, 784], 15) as tf.Tensor2D, tensor([784, 128], 16) as tf.Tensor2D, tensor([128], 17)];
    const first = tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' });
    const second = tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' });
    expect(relativeError(second.dataSync(), first.dataSync())).toBeLessThan(RELATIVE_TOLERANCE);
    tf.dispose([x, w, bias, first, second]);
  });

  it('gives the cpu backend\'s gradients of two Dense layers with relu between', async () => {
    const gradients = (): tf.Tensor[] => {
      const x = tensor([32, 100], 18);
      const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
        const hidden = tf.relu(tf.fused.matMul({ a: x as tf.Tensor2D, b: w1 as tf.Tensor2D, bias: b1 }));
        return tf.sum(tf.square(tf.fused.matMul({ a: hidden as tf.Tensor2D, b: w2 as tf.Tensor2D, bias: b2 })));
      };
      return tf.grads(loss)([tensor([100, 64], 19), tensor([64], 20), tensor([64, 10], 21), tensor([10], 22)]);
    };
    const want = await onBackend('cpu', gradients);
    const got = await onBackend('wasm', gradients);
    want.forEach((w, i) => expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(RELATIVE_TOLERANCE));
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const [a, b, dy, bias] = [tensor([32, 128], 23), tensor([128, 256], 24), tensor([32, 256], 25), tensor([256], 26)];
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) {
      const w = tf.mul(b, 1); // new weights each time, as in training: the swapped path
      tf.dispose([tf.matMul(dy, w, false, true), tf.matMul(a, dy, true, false), tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias }), w]);
    }
    // numDataIds counts the transposed copies and products too, which the engine never sees.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([a, b, dy, bias]);
  });
});
