import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Uint8Matrix } from '../../src/data/matrix.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TensorDataset', () => {
  it('pairs rows of a Uint8Matrix with labels and scales on gather', () => {
    const dataset = new TensorDataset(new Uint8Matrix(Uint8Array.of(0, 128, 255, 64), [2, 2], 1 / 256), Int32Array.of(3, 1));
    expect([dataset.length, dataset.numClasses]).toEqual([2, 4]);
    expect(dataset.sampleShape).toEqual([2]);
    const { images, labels } = dataset.gather([1]);
    expect(Array.from(images)).toEqual([255 / 256, 64 / 256]);
    expect(Array.from(labels)).toEqual([1]);
  });

  it('copies tensors once so the caller may dispose them', () => {
    const features = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const labels = tf.tensor1d([0, 1, 0], 'int32');
    const dataset = new TensorDataset(features, labels, { numClasses: 10, sampleShape: [2, 1] });
    tf.dispose([features, labels]);
    expect(dataset.sampleShape).toEqual([2, 1]);
    expect(dataset.numClasses).toBe(10);
    const batch = dataset.gather([2, 0]);
    expect(Array.from(batch.images)).toEqual([5, 6, 1, 2]);
    expect(Array.from(batch.labels)).toEqual([0, 0]);
    expect(String(dataset)).toBe('TensorDataset(length=3, sampleShape=[2, 1], numClasses=10)');
  });

  it('rejects mismatched lengths and a sample shape that does not fit', () => {
    const features = new Uint8Matrix(new Uint8Array(4), [2, 2]);
    expect(() => new TensorDataset(features, [1])).toThrow(/2 feature rows but 1 labels/);
    expect(() => new TensorDataset(features, [1, 0], { sampleShape: [3] })).toThrow(/does not fit/);
    expect(() => new TensorDataset(features, [1, 0]).gather([2])).toThrow(RangeError);
  });
});
