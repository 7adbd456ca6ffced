// Tests for our wasm Slice and PadV2: cpu's values for every rank and dtype, the ZeroPadding2D gradient, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, randomValues } from './reference.js';

type Dtype = 'float32' | 'int32' | 'bool';

function input(shape: number[], dtype: Dtype): tf.Tensor {
  const values = randomValues(tf.util.sizeFromShape(shape), 9);
  if (dtype === 'float32') return tf.tensor(values, shape);
  return tf.tensor(Array.from(values, (v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 100))), shape, dtype);
}

async function sameOnBothBackends(compute: () => tf.Tensor[]): Promise<void> {
  const want = await onBackend('cpu', compute);
  const got = await onBackend('wasm', compute);
  want.forEach((w, i) => {
    expect(got[i]?.shape).toEqual(w.shape);
    expect(Array.from(got[i]?.values ?? [])).toEqual(Array.from(w.values));
  });
}

const slices: { shape: number[]; begin: number[]; size: number[]; dtype: Dtype }[] = [
  { shape: [7], begin: [2], size: [3], dtype: 'float32' },
  { shape: [4, 5], begin: [1, 0], size: [2, 5], dtype: 'int32' }, // contiguous
  { shape: [4, 5], begin: [1, 2], size: [3, -1], dtype: 'float32' },
  { shape: [3, 16, 16, 8], begin: [0, 1, 1, 0], size: [3, 14, 14, 8], dtype: 'float32' }, // ZeroPadding2D's gradient
  { shape: [2, 5, 4, 3], begin: [1, 1, 0, 1], size: [1, 3, 4, 2], dtype: 'bool' },
  { shape: [2, 3, 4, 3, 2], begin: [0, 1, 1, 0, 1], size: [2, 2, 2, 3, 1], dtype: 'int32' },
  { shape: [3, 4], begin: [1, 1], size: [0, 2], dtype: 'float32' },
];

const pads: { shape: number[]; paddings: [number, number][]; value: number; dtype: Dtype }[] = [
  { shape: [5], paddings: [[2, 1]], value: 0, dtype: 'float32' },
  { shape: [3, 28, 28, 1], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], value: 0, dtype: 'float32' }, // PyTorch's padding=1
  { shape: [2, 4, 4, 3], paddings: [[1, 0], [0, 2], [1, 1], [0, 1]], value: 1.5, dtype: 'float32' },
  { shape: [2, 3], paddings: [[1, 1], [2, 0]], value: 7, dtype: 'int32' },
  { shape: [2, 2, 3], paddings: [[0, 0], [1, 1], [0, 0]], value: 1, dtype: 'bool' },
  { shape: [0, 3], paddings: [[1, 1], [1, 0]], value: 2, dtype: 'float32' },
];

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('Slice on wasm', () => {
  it.each(slices)('matches the cpu backend for $dtype $shape from $begin, size $size', async (c) => {
    await sameOnBothBackends(() => [tf.slice(input(c.shape, c.dtype), c.begin, c.size)]);
  });
});

describe('PadV2 on wasm', () => {
  it.each(pads)('matches the cpu backend for $dtype $shape padded by $paddings with $value', async (c) => {
    await sameOnBothBackends(() => [tf.pad(input(c.shape, c.dtype), c.paddings, c.value)]);
  });

  it('gives the cpu backend\'s gradient of a padding (a slice of the upstream gradient)', async () => {
    await sameOnBothBackends(() => {
      const x = input([2, 6, 6, 2], 'float32');
      const weights = input([2, 8, 8, 2], 'float32');
      return [tf.grad((t) => tf.sum(tf.mul(tf.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]]), weights)))(x)];
    });
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 5, 5, 3]);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) tf.dispose([tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), tf.slice(x, [0, 1, 1, 0], [2, 3, 3, 3])]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    x.dispose();
  });
});
