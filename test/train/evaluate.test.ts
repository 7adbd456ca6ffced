// Tests of evaluate on a hand-made model whose predictions are known: accuracy, confusion, loss, memory.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, evaluate, type Batch } from '../../src/train/index.js';
import { quietBackend } from './fixtures.js';

beforeAll(quietBackend);

/** A 3-class model that returns its input as logits, so the prediction is the argmax of the input row. */
function identityModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 3, useBias: false, kernelInitializer: 'identity' })] });
  return model;
}

/** Five examples in batches of 2, 2 and 1: predictions 0, 1, 2, 2, 0 against labels 0, 1, 1, 2, 2. */
function batches(oneHot = false): Batch[] {
  const rows = [
    [5, 0, 0],
    [0, 5, 0],
    [0, 0, 5],
    [0, 1, 5],
    [5, 0, 1],
  ];
  const labels = [0, 1, 1, 2, 2];
  const make = (from: number, to: number): Batch => ({
    images: tf.tensor2d(rows.slice(from, to)),
    labels: oneHot ? tf.oneHot(tf.tensor1d(labels.slice(from, to), 'int32'), 3) : tf.tensor1d(labels.slice(from, to), 'int32'),
  });
  return [make(0, 2), make(2, 4), make(4, 5)];
}

describe('evaluate', () => {
  it('counts accuracy over examples and fills the confusion matrix by [true][predicted]', async () => {
    const result = await evaluate(identityModel(), batches());
    expect(result.accuracy).toBeCloseTo(3 / 5, 10);
    expect(Array.from(result.predictions)).toEqual([0, 1, 2, 2, 0]);
    expect(result.examples).toBe(5);
    expect(result.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    expect(result.loss).toBeUndefined();
  });

  it('reports the mean of per-batch mean losses, as the tutorials average over len(loader)', async () => {
    const data = batches();
    const expected = tf.tidy(() => data.map((b) => crossEntropy(b.images, b.labels).dataSync()[0] as number));
    const result = await evaluate(identityModel(), data, { loss: crossEntropy });
    expect(result.loss).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 6);
  });

  it('accepts one-hot labels', async () => {
    const result = await evaluate(identityModel(), batches(true));
    expect(result.accuracy).toBeCloseTo(3 / 5, 10);
  });

  it('disposes every batch and leaves no other tensors', async () => {
    const model = identityModel();
    const data = batches();
    const before = tf.memory().numTensors;
    await evaluate(model, data, { loss: crossEntropy });
    expect(data.every((b) => b.images.isDisposed && b.labels.isDisposed)).toBe(true);
    expect(tf.memory().numTensors).toBe(before - 6);
  });
});
