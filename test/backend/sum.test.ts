// Tests for our wasm Sum and Mean over every axis but the last: cpu's values, other reductions untouched, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, relativeError, seededTensor } from './reference.js';

// float32 sums of up to ~12,000 values in another order than cpu's: ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-5;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

type Reduce = (x: tf.Tensor) => tf.Tensor;

async function compare(reduce: Reduce, shape: number[]): Promise<void> {
  const run = (backend: 'cpu' | 'wasm') => onBackend(backend, () => [reduce(seededTensor(shape, 7))]);
  const [[want], [got]] = [await run('cpu'), await run('wasm')];
  expect(got?.shape).toEqual(want?.shape);
  expect(relativeError(got?.values as Float32Array, want?.values as Float32Array)).toBeLessThan(RELATIVE_TOLERANCE);
}

describe('Sum and Mean on wasm', () => {
  const cases: [string, Reduce, number[]][] = [
    ["a conv's bias gradient, tf.sum(dy, [0, 1, 2])", (x) => tf.sum(x, [0, 1, 2]), [64, 14, 14, 16]],
    ['the axes in another order, keepDims', (x) => tf.sum(x, [2, 0, 1], true), [3, 5, 4, 6]],
    ["BatchNorm's tf.moments mean", (x) => tf.moments(x, [0, 1, 2]).mean, [8, 7, 7, 32]],
    ['tf.mean of a matrix over its rows, keepDims', (x) => tf.mean(x, 0, true), [200, 10]],
    ['a reduction it leaves to wasm (the last axis)', (x) => tf.sum(x, -1), [4, 5, 6]],
    ['a reduction it leaves to wasm (everything)', (x) => tf.mean(x), [4, 5, 6]],
  ];
  it.each(cases)('gives cpu\'s values for %s', async (_, reduce, shape) => compare(reduce, shape));

  it('leaves int32 sums to wasm\'s own kernel (exact integers)', async () => {
    await tf.setBackend('wasm');
    const sum = tf.tidy(() => tf.sum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), 0));
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([9, 12]);
    sum.dispose();
  });

  it('gives zeros for a sum or mean over no rows, as cpu does (wasm\'s own Sum leaves them unwritten)', async () => {
    const reduce = (): tf.Tensor[] => [tf.sum(tf.zeros([0, 3]), 0), tf.mean(tf.zeros([2, 0, 3]), [0, 1])];
    const [cpu, wasm] = [await onBackend('cpu', reduce), await onBackend('wasm', reduce)];
    expect(Array.from(wasm[0]?.values ?? [])).toEqual([0, 0, 0]);
    expect(Array.from(wasm[1]?.values ?? [])).toEqual([0, 0, 0]);
    expect(wasm.map((r) => Array.from(r.values))).toEqual(cpu.map((r) => Array.from(r.values)));
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([16, 7, 7, 8]);
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let i = 0; i < 20; i++) tf.dispose([tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true)]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    x.dispose();
  });
});
