// Tests of the losses against hand-computed values and PyTorch's definitions.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, mseLoss, nllLoss, ShapeError } from '../../src/train/index.js';
import { quietBackend } from './fixtures.js';

beforeAll(quietBackend);

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};

describe('crossEntropy', () => {
  it('is the batch mean of -log softmax at the label (hand-computed)', () => {
    const logits = tf.tensor2d([
      [2, 0, 0],
      [0, 1, 3],
    ]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const row0 = -2 + Math.log(Math.exp(2) + 2);
    const row1 = -1 + Math.log(1 + Math.exp(1) + Math.exp(3));
    expect(value(crossEntropy(logits, labels))).toBeCloseTo((row0 + row1) / 2, 6);
  });

  it('gives the same value for one-hot labels as for class indices', () => {
    const logits = tf.tensor2d([[0.5, -1, 2], [1, 1, 1]]);
    const a = value(crossEntropy(logits, tf.tensor1d([2, 0], 'int32')));
    const b = value(crossEntropy(logits, tf.tensor2d([[0, 0, 1], [1, 0, 0]])));
    expect(a).toBeCloseTo(b, 6);
  });

  it('has gradient (softmax - onehot) / batch in the logits, checked with tf.grad to 1e-6', () => {
    const logits = tf.tensor2d([[0.3, -0.2, 1.1], [2, 0, -1]]);
    const labels = tf.tensor1d([1, 0], 'int32');
    const grad = tf.grad((x: tf.Tensor) => crossEntropy(x, labels))(logits);
    const expected = tf.div(tf.sub(tf.softmax(logits), tf.oneHot(labels, 3)), 2);
    expect(tf.max(tf.abs(tf.sub(grad, expected))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('leaves no tensors behind', () => {
    const logits = tf.randomNormal([5, 10]);
    const labels = tf.tensor1d([1, 2, 3, 4, 5], 'int32');
    const before = tf.memory().numTensors;
    value(crossEntropy(logits, labels));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says which shapes it expects', () => {
    expect(() => crossEntropy(tf.zeros([2, 3]), tf.zeros([3], 'int32'))).toThrow(ShapeError);
    expect(() => crossEntropy(tf.zeros([2, 3, 1]), tf.zeros([2], 'int32'))).toThrow(/scores \[batch, classes\]/);
  });
});

describe('nllLoss', () => {
  it('on log-softmax outputs equals crossEntropy on the logits', () => {
    const logits = tf.tensor2d([[1, 2, 3], [3, -2, 0.5]]);
    const labels = tf.tensor1d([2, 1], 'int32');
    expect(value(nllLoss(tf.logSoftmax(logits), labels))).toBeCloseTo(value(crossEntropy(logits, labels)), 6);
  });

  it('is the batch mean of -logProbs at the label', () => {
    const logProbs = tf.tensor2d([[-0.1, -2.5], [-3, -0.05]]);
    expect(value(nllLoss(logProbs, tf.tensor1d([0, 0], 'int32')))).toBeCloseTo((0.1 + 3) / 2, 6);
  });

  it('takes class indices only', () => {
    expect(() => nllLoss(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(/class indices \[batch\]/);
  });
});

describe('mseLoss', () => {
  it('averages over every element, as nn.MSELoss(reduction="mean")', () => {
    const predictions = tf.tensor2d([[1, 0], [0.5, 2]]);
    const targets = tf.tensor2d([[0, 0], [1, 1]]);
    expect(value(mseLoss(predictions, targets))).toBeCloseTo((1 + 0 + 0.25 + 1) / 4, 6);
  });

  it('needs matching shapes and suggests one-hot targets', () => {
    expect(() => mseLoss(tf.zeros([2, 10]), tf.zeros([2], 'int32'))).toThrow(/one-hot targets/);
  });
});
