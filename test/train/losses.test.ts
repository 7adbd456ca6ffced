// Tests of the losses against hand-computed values and PyTorch's definitions.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { LOSS_KERNEL_CONFIGS, lossGradient, meanLoss } from '../../src/backend/loss_kernels.js';
import { crossEntropy, mseLoss, nllLoss, ShapeError, type LossFn } from '../../src/train/index.js';
import { randomValues, relativeError } from '../backend/reference.js';
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

describe('the fused loss kernels on wasm', () => {
  // float64 sums over 10 classes against float32 ops: agreement to ~1e-7 of the scale.
  const TOLERANCE = 1e-6;
  const labels = (): tf.Tensor => tf.tensor1d([0, 9, 3, 3, 7, 1, 2, 5, 8, 6, 4, 0], 'int32');
  const logits = (): tf.Tensor => tf.tensor2d(randomValues(12 * 10, 5).map((v) => v * 4), [12, 10]);

  /** A loss value and its gradient in the scores. */
  type Result = [number[], number[]];

  /** Loss and its gradient in the scores, with our kernels and (with them unregistered) the generic ops. */
  async function bothPaths(loss: LossFn, scores: () => tf.Tensor, target: () => tf.Tensor): Promise<[Result, Result]> {
    await initBackend({ backend: 'wasm', log: () => {} });
    const run = (): Result => tf.tidy(() => {
      const y = target();
      const { value: lossValue, grads } = tf.valueAndGrads((s: tf.Tensor) => loss(s, y))([scores()]);
      return [[lossValue.dataSync()[0] as number], Array.from(grads[0]?.dataSync() ?? [])];
    });
    const fused = run();
    for (const config of LOSS_KERNEL_CONFIGS) tf.unregisterKernel(config.kernelName, 'wasm');
    try {
      return [fused, run()];
    } finally {
      for (const config of LOSS_KERNEL_CONFIGS) tf.registerKernel(config);
    }
  }

  const cases: [string, LossFn, () => tf.Tensor][] = [
    ['crossEntropy on logits', crossEntropy, logits],
    ['nllLoss on log-softmax outputs', nllLoss, () => tf.logSoftmax(logits())],
  ];

  it.each(cases)('%s: the generic path\'s loss and gradient (to 1e-6)', async (_, loss, scores) => {
    const [[fusedLoss, fusedGrad], [genericLoss, genericGrad]] = await bothPaths(loss, scores, labels);
    expect(relativeError(fusedLoss, genericLoss)).toBeLessThan(TOLERANCE);
    expect(relativeError(fusedGrad, genericGrad)).toBeLessThan(TOLERANCE);
  });

  it.each(cases)('%s: labels outside the classes count as zero loss and zero gradient, as the one-hot path does', async (_, loss, scores) => {
    const outside = (): tf.Tensor => tf.tensor1d([0, 10, 3, -1, 7, 1, 2, 5, 8, 6, 4, 0], 'int32');
    const [[fusedLoss, fusedGrad], [genericLoss, genericGrad]] = await bothPaths(loss, scores, outside);
    expect(relativeError(fusedLoss, genericLoss)).toBeLessThan(TOLERANCE);
    expect(relativeError(fusedGrad, genericGrad)).toBeLessThan(TOLERANCE);
    expect(fusedGrad.slice(10, 20).every((g) => g === 0)).toBe(true);
  });

  it('computes log(1 + e^-2) for logits [2, 0] and label 0, with gradient (softmax - onehot) (by hand)', () => {
    const scores = Float32Array.from([2, 0]);
    const label = Int32Array.from([0]);
    expect(meanLoss(scores, label, 2, false)).toBeCloseTo(Math.log(1 + Math.exp(-2)), 12);
    const gradient = new Float32Array(2);
    lossGradient(scores, label, 2, false, 1, gradient);
    const p0 = 1 / (1 + Math.exp(-2));
    expect(gradient[0]).toBeCloseTo(p0 - 1, 7);
    expect(gradient[1]).toBeCloseTo(1 - p0, 7);
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const [x, y] = [logits(), labels()];
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let i = 0; i < 3; i++) {
      const { value: v, grads } = tf.valueAndGrads((s: tf.Tensor) => crossEntropy(s, y))([x]);
      tf.dispose([v, ...grads, nllLoss(x, y)]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([x, y]);
  });
});
