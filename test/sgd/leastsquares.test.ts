// Tests of the from-scratch least-squares SGD: analytic gradient vs tf.grad, the tutorial's numbers, real learning.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracy, leastSquaresGradient, leastSquaresLoss, sgdTrain } from '../../src/sgd/index.js';
import { setSeed } from '../../src/random/index.js';
import { mnistSlice, quietBackend } from '../train/fixtures.js';

interface Split {
  x: tf.Tensor2D;
  oneHot: tf.Tensor2D;
  labels: tf.Tensor1D;
}

async function split(which: 'train' | 'test', count: number): Promise<Split> {
  const data = (await mnistSlice(which, count)).gather(Array.from({ length: count }, (_, i) => i));
  const labels = tf.tensor1d(data.labels, 'int32');
  return { x: tf.tensor2d(data.images, [count, 784]), labels, oneHot: tf.oneHot(labels, 10).toFloat() as tf.Tensor2D };
}

let train: Split;
let test: Split;
beforeAll(async () => {
  await quietBackend();
  train = await split('train', 1000);
  test = await split('test', 1000);
});
afterAll(() => tf.dispose([train.x, train.oneHot, train.labels, test.x, test.oneHot, test.labels]));

describe('least-squares pieces', () => {
  it('the analytic gradient X^T(XW - Y)/n equals tf.grad of the loss (max abs difference < 1e-6)', () => {
    const x = train.x.slice([0, 0], [32, 784]) as tf.Tensor2D;
    const y = train.oneHot.slice([0, 0], [32, 10]) as tf.Tensor2D;
    const w = tf.randomNormal([784, 10], 0, 0.01, 'float32', 1) as tf.Tensor2D;
    const analytic = leastSquaresGradient(x, y, w);
    const automatic = tf.grad((weight: tf.Tensor) => leastSquaresLoss(x, y, weight as tf.Tensor2D))(w);
    // float32 sums of 32 products of pixels <= 1: agreement to about 1e-7 is expected; 1e-6 leaves room.
    expect(tf.max(tf.abs(tf.sub(analytic, automatic))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, y, w, analytic, automatic]);
  });

  it("gives the tutorial's first numbers: loss 0.5 and about 10% accuracy at W = 0", () => {
    const w = tf.zeros([784, 10]) as tf.Tensor2D;
    const loss = leastSquaresLoss(train.x, train.oneHot, w);
    const acc = accuracy(test.x, test.labels, w);
    expect(loss.dataSync()[0]).toBeCloseTo(0.5, 6); // ||one-hot row||^2 = 1, halved
    expect(acc.dataSync()[0]).toBeCloseTo(0.085, 3); // argmax of all zeros is class 0: the share of zeros
    tf.dispose([w, loss, acc]);
  });
});

describe('sgdTrain', () => {
  it('learns: over 70% on held-out test images (chance is 10%) after 500 iterations of batch 10', () => {
    const result = sgdTrain({ xTrain: train.x, yTrain: train.oneHot, xTest: test.x, yTest: test.labels, iterations: 500, batchSize: 10, learningRate: 0.02, evalEvery: 100, seed: 1 });
    expect(result.losses).toHaveLength(500);
    expect(result.accuracyIterations).toEqual([0, 100, 200, 300, 400]);
    const final = accuracy(test.x, test.labels, result.weight);
    expect(final.dataSync()[0]).toBeGreaterThan(0.7);
    expect(result.losses.slice(-50).reduce((a, b) => a + b, 0) / 50).toBeLessThan(0.3);
    tf.dispose([final, result.weight]);
  });

  it('is reproducible: the same seed (or setSeed) gives the same losses and weights', () => {
    const options = { xTrain: train.x, yTrain: train.oneHot, xTest: test.x, yTest: test.labels, iterations: 20, batchSize: 5, learningRate: 0.01, evalEvery: 10 };
    const a = sgdTrain({ ...options, seed: 3 });
    const b = sgdTrain({ ...options, seed: 3 });
    setSeed(3);
    const c = sgdTrain(options);
    setSeed(3);
    const d = sgdTrain(options);
    expect(b.losses).toEqual(a.losses);
    expect(b.weight.dataSync()).toEqual(a.weight.dataSync());
    expect(d.losses).toEqual(c.losses);
    tf.dispose([a.weight, b.weight, c.weight, d.weight]);
  });

  it('calls onIteration every iteration with the loss, and the accuracy when measured', () => {
    const events: { iteration: number; accuracy?: number }[] = [];
    const result = sgdTrain({
      xTrain: train.x, yTrain: train.oneHot, xTest: test.x, yTest: test.labels,
      iterations: 4, batchSize: 2, learningRate: 0.001, evalEvery: 2, seed: 0,
      onIteration: (e) => void events.push(e),
    });
    expect(events.map((e) => e.iteration)).toEqual([0, 1, 2, 3]);
    expect(events.map((e) => e.accuracy !== undefined)).toEqual([true, false, true, false]);
    expect(result.accuracies).toEqual([events[0]?.accuracy, events[2]?.accuracy]);
    result.weight.dispose();
  });

  it('leaves only the returned weight behind', () => {
    const before = tf.memory().numTensors;
    const result = sgdTrain({ xTrain: train.x, yTrain: train.oneHot, xTest: test.x, yTest: test.labels, iterations: 300, batchSize: 4, learningRate: 0.001, evalEvery: 50 });
    expect(tf.memory().numTensors).toBe(before + 1);
    result.weight.dispose();
  });

  it('checks its counts', () => {
    expect(() => sgdTrain({ xTrain: train.x, yTrain: train.oneHot, xTest: test.x, yTest: test.labels, iterations: 1, batchSize: 0, learningRate: 0.1 })).toThrow(/batchSize/);
  });
});
