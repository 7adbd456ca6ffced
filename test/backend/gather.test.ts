// Tests for our wasm GatherV2: the cpu backend's values for every axis and dtype, errors, no leaks.
// (Its gradient needs UnsortedSegmentSum, which wasm lacks; the course never differentiates through a gather.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, randomValues } from './reference.js';

interface Case {
  shape: number[];
  indices: number[];
  indicesShape?: number[];
  axis: number;
  dtype: 'float32' | 'int32' | 'bool';
}

const cases: Case[] = [
  { shape: [6], indices: [5, 0, 0, 3], axis: 0, dtype: 'float32' },
  { shape: [50, 784], indices: [3, 49, 3, 0, 17], axis: 0, dtype: 'float32' }, // minibatch rows (block copies)
  { shape: [5, 4], indices: [3, 1, 1], axis: 1, dtype: 'int32' }, // columns (element loop)
  { shape: [3, 4, 20], indices: [2, 0, 3, 2], indicesShape: [2, 2], axis: 1, dtype: 'float32' },
  { shape: [4, 3, 2], indices: [1, 2, 0], axis: 1, dtype: 'bool' },
  { shape: [4, 3], indices: [], axis: 0, dtype: 'float32' }, // empty
];

function input(c: Case): tf.Tensor {
  const values = randomValues(tf.util.sizeFromShape(c.shape), 11);
  if (c.dtype === 'float32') return tf.tensor(values, c.shape);
  return tf.tensor(Array.from(values, (v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 100))), c.shape, c.dtype);
}

const indicesOf = (c: Case): tf.Tensor => tf.tensor(c.indices, c.indicesShape ?? [c.indices.length], 'int32');

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('GatherV2 on wasm', () => {
  it.each(cases)('matches the cpu backend for $dtype $shape at $indices along axis $axis', async (c) => {
    const [want] = await onBackend('cpu', () => [tf.gather(input(c), indicesOf(c), c.axis)]);
    const [got] = await onBackend('wasm', () => [tf.gather(input(c), indicesOf(c), c.axis)]);
    expect(got?.shape).toEqual(want?.shape);
    expect(Array.from(got?.values ?? [])).toEqual(Array.from(want?.values ?? []));
  });

  it('rejects an index out of range, naming it', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([3, 20]);
    expect(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'))).toThrow(/index value 3 is not in \[0, 2\]/);
    expect(() => tf.gather(x, tf.tensor1d([-1], 'int32'))).toThrow(/index value -1/);
    x.dispose();
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([100, 784]);
    const indices = tf.tensor1d([5, 99, 5, 0], 'int32');
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) tf.dispose(tf.gather(x, indices));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, indices]);
  });
});
