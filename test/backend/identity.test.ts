// Tests for our wasm Identity and Cast: clones and same-dtype casts share the buffer yet behave as copies; no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('Identity on wasm', () => {
  it('gives a clone with the same values that outlives its source', () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const y = tf.clone(x);
    x.dispose();
    expect(y.arraySync()).toEqual([[1, 2], [3, 4]]);
    y.dispose();
  });

  it('keeps a clone unchanged when a variable made from the source is assigned', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(x);
    const y = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([x, v, y]);
  });

  it('adds no wasm buffer, and frees the shared one with the last tensor', () => {
    const buffersBefore = tf.backend().numDataIds();
    const x = tf.ones([3, 3]);
    const clones = Array.from({ length: 5 }, () => tf.clone(x));
    expect(tf.backend().numDataIds()).toBe(buffersBefore + 1);
    tf.dispose([x, ...clones]);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
  });

  it('still clones string tensors', () => {
    const s = tf.tensor1d(['a', 'b']);
    const t = tf.clone(s);
    s.dispose();
    expect(t.arraySync()).toEqual(['a', 'b']);
    t.dispose();
  });

  it('casts to the same dtype without a new buffer, and to other dtypes as wasm does', () => {
    const buffersBefore = tf.backend().numDataIds();
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const same = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(buffersBefore + 1);
    const ints = tf.cast(x, 'int32');
    const counts = tf.tensor1d([4, 5], 'int32');
    const back = tf.cast(counts, 'float32');
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.dataSync())).toEqual([4, 5]);
    tf.dispose([x, same, ints, counts, back]);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
  });
});
