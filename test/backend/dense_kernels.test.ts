// Tests for the Dense forward and backward kernels on wasm: a hand example, the cpu backend's ops, and no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSE, DENSE_GRAD, reluGradAndColumnSums } from '../../src/backend/dense_kernels.js';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, relativeError, seededTensor } from './reference.js';

// Sums of up to 784 float32 products in another order than cpu's loop agree to ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-4;

const tensor = seededTensor;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('reluGradAndColumnSums', () => {
  it('keeps dy where y > 0 and sums each column (by hand)', () => {
    const d = new Float32Array(4);
    const sums = new Float32Array(2);
    // dy [[1, 2], [3, 4]], y [[0.5, 0], [-1, 2]] -> d [[1, 0], [0, 4]], sums [1, 4].
    reluGradAndColumnSums(Float32Array.from([1, 2, 3, 4]), Float32Array.from([0.5, 0, -1, 2]), 2, 2, d, sums);
    expect([...d]).toEqual([1, 0, 0, 4]);
    expect([...sums]).toEqual([1, 4]);
  });
});

describe('the Dense kernels on wasm', () => {
  const shapes: [number, number, number][] = [[32, 784, 128], [100, 100, 10], [5, 7, 3]];
  for (const activation of ['linear', 'relu'] as const) {
    it.each(shapes)(`DENSE (${activation}) gives tf.fused.matMul's output on cpu for x [%i, %i], W [., %i]`, async (m, k, n) => {
      const [x, w, bias] = [tensor([m, k], 1), tensor([k, n], 2), tensor([n], 3)];
      const [want] = await onBackend('cpu', () => [tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias, activation })]);
      const [got] = await onBackend('wasm', () => [tf.engine().runKernel(DENSE, { x, kernel: w, bias }, { activation }) as tf.Tensor]);
      expect(got?.shape).toEqual([m, n]);
      expect(relativeError(got?.values ?? [], want?.values ?? [])).toBeLessThan(RELATIVE_TOLERANCE);
      tf.dispose([x, w, bias]);
    });
  }

  it.each([true, false])('DENSE_GRAD gives the cpu backend\'s dx, dW and dbias after relu (inputGradient %s)', async (inputGradient) => {
    const [x, w, dy] = [tensor([32, 64], 4), tensor([64, 20], 5), tensor([32, 20], 6)];
    const y = tf.tidy(() => tf.relu(tf.matMul(x, w)));
    const want = await onBackend('cpu', () => {
      const d = tf.mul(dy, tf.step(y));
      return [tf.matMul(x, d, true, false), tf.sum(d, 0), ...(inputGradient ? [tf.matMul(d, w, false, true)] : [])];
    });
    const got = await onBackend('wasm', () => tf.engine().runKernel(DENSE_GRAD, { x, kernel: w, dy, y }, { inputGradient }) as tf.Tensor[]);
    expect(got.map((g) => g.shape)).toEqual(want.map((g) => g.shape));
    want.forEach((g, i) => expect(relativeError(got[i]?.values ?? [], g.values)).toBeLessThan(RELATIVE_TOLERANCE));
    tf.dispose([x, w, dy, y]);
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const [x, w, bias, dy] = [tensor([32, 64], 7), tensor([64, 20], 8), tensor([20], 9), tensor([32, 20], 10)];
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let i = 0; i < 3; i++) {
      const y = tf.engine().runKernel(DENSE, { x, kernel: w, bias }, { activation: 'relu' }) as tf.Tensor;
      tf.dispose([y, ...(tf.engine().runKernel(DENSE_GRAD, { x, kernel: w, dy, y }, { inputGradient: true }) as tf.Tensor[])]);
      tf.dispose(tf.engine().runKernel(DENSE_GRAD, { x, kernel: w, dy }, { inputGradient: false }) as tf.Tensor[]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([x, w, bias, dy]);
  });
});
