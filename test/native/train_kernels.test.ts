// Our SGD, loss and log-softmax kernels on native TensorFlow equal the generic ops, and fit trains the same with them.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { LOG_SOFTMAX } from '../../src/backend/log_softmax.js';
import { NLL_LOSS, SOFTMAX_CROSS_ENTROPY } from '../../src/backend/loss_kernels.js';
import { NATIVE_BACKEND, NATIVE_TRAIN_KERNEL_CONFIGS, registerNativeKernels } from '../../src/backend/native_kernels.js';
import { SGD_UPDATE } from '../../src/backend/sgd_kernel.js';
import { createLinear, createMlp } from '../../src/models/index.js';
import { SGD, crossEntropy, nllLoss, type LossFn } from '../../src/train/index.js';
import { fitLosses, IN_NATIVE_LANE, relativeError, seeded } from './fixtures.js';

/**
 * Relative to the largest reference value. The losses and log-softmax use TF's fused LogSoftmax / Softmax and scale
 * by 1/batch in another order than the generic ops, so they differ by a few float32 roundings (~1e-7 relative).
 */
const RELATIVE_TOLERANCE = 1e-6;

/** `run` with our training kernels removed from native (the generic paths), then registered again. */
function withoutKernels<T>(run: () => T): T {
  for (const { kernelName } of NATIVE_TRAIN_KERNEL_CONFIGS) tf.unregisterKernel(kernelName, NATIVE_BACKEND);
  try {
    return run();
  } finally {
    registerNativeKernels();
  }
}

/** The parameter values after three SGD steps with fixed gradients (all tensors freed). */
function sgdSteps(momentum: number, weightDecay: number): Float32Array[] {
  const params = [tf.variable(seeded(1, [6, 5])), tf.variable(seeded(2, [5]))];
  const gradients = Object.fromEntries(params.map((p, i) => [p.name, seeded(10 + i, p.shape, 0.1)]));
  const optimizer = new SGD(params, { lr: 0.05, momentum, weightDecay });
  for (let step = 0; step < 3; step++) optimizer.applyGradients(gradients);
  const values = params.map((p) => p.dataSync() as Float32Array);
  optimizer.dispose();
  tf.dispose([...params, ...Object.values(gradients)]);
  return values;
}

/** Loss value and d loss / d scores of `loss` on fixed scores [6, 4] and labels with two out of range. */
function lossAndGradient(loss: LossFn, logProbs: boolean): [tf.Tensor, tf.Tensor] {
  const labels = tf.tensor1d([0, 3, 2, -1, 4, 1], 'int32');
  const raw = seeded(20, [6, 4], 3);
  const scores = logProbs ? tf.logSoftmax(raw) : raw;
  const { value, grad } = tf.valueAndGrad((s: tf.Tensor) => loss(s, labels))(scores, tf.scalar(0.7));
  return [value, grad];
}

describe.skipIf(!IN_NATIVE_LANE)('the SGD, loss and log-softmax kernels on native TensorFlow', () => {
  beforeAll(async () => {
    await initBackend({ log: () => {} });
    await tf.setBackend(NATIVE_BACKEND);
  });

  it('are registered for the tensorflow backend once initBackend has loaded it', () => {
    for (const name of [SGD_UPDATE, NLL_LOSS, SOFTMAX_CROSS_ENTROPY, LOG_SOFTMAX]) expect(tf.getKernel(name, NATIVE_BACKEND)).toBeDefined();
    expect(registerNativeKernels()).toEqual([]);
  });

  it.each([
    { momentum: 0, weightDecay: 0 }, { momentum: 0.9, weightDecay: 0 }, { momentum: 0, weightDecay: 0.01 }, { momentum: 0.9, weightDecay: 0.01 },
  ])('update parameters to the bit as the generic SGD ops do (momentum $momentum, weightDecay $weightDecay)', ({ momentum, weightDecay }) => {
    const fast = sgdSteps(momentum, weightDecay);
    const generic = withoutKernels(() => sgdSteps(momentum, weightDecay));
    expect(fast).toEqual(generic);
  });

  it.each([
    { name: 'crossEntropy', loss: crossEntropy, logProbs: false },
    { name: 'nllLoss', loss: nllLoss, logProbs: true },
  ])('give $name and its gradient as the generic ops do, zero for labels out of range', ({ loss, logProbs }) => {
    tf.tidy(() => {
      const [value, gradient] = lossAndGradient(loss, logProbs);
      const [genericValue, genericGradient] = withoutKernels(() => lossAndGradient(loss, logProbs));
      expect(relativeError(value, genericValue)).toBeLessThan(RELATIVE_TOLERANCE);
      expect(relativeError(gradient, genericGradient)).toBeLessThan(RELATIVE_TOLERANCE);
      expect(Array.from(gradient.slice([3, 0], [1, 4]).dataSync())).toEqual([0, 0, 0, 0]);
      expect(Array.from(gradient.slice([4, 0], [1, 4]).dataSync())).toEqual([0, 0, 0, 0]);
    });
  });

  it('give NaN for an empty batch, as the generic mean does', () => {
    tf.tidy(() => {
      const [scores, labels] = [tf.zeros([0, 10]), tf.tensor1d([], 'int32')];
      expect(crossEntropy(scores, labels).dataSync()[0]).toBeNaN();
      expect(nllLoss(scores, labels).dataSync()[0]).toBeNaN();
    });
  });

  it('compute log-softmax and its gradient as tf.logSoftmax does', () => {
    tf.tidy(() => {
      const logits = seeded(30, [5, 7], 4);
      const dy = seeded(31, [5, 7]);
      const run = (x: tf.Tensor): tf.Tensor => tf.engine().runKernel(LOG_SOFTMAX, { logits: x }) as tf.Tensor;
      const { value, grad } = tf.valueAndGrad(run)(logits, dy);
      const expected = tf.valueAndGrad((x: tf.Tensor) => tf.logSoftmax(x))(logits, dy);
      expect(relativeError(value, expected.value)).toBeLessThan(RELATIVE_TOLERANCE);
      expect(relativeError(grad, expected.grad)).toBeLessThan(RELATIVE_TOLERANCE);
    });
  });

  it('free their intermediates: only the outputs stay', () => {
    const [param, gradient, buffer, logits] = [seeded(1, [6, 5]), seeded(2, [6, 5]), seeded(3, [6, 5]), seeded(4, [6, 4])];
    const labels = tf.tensor1d([0, 3, 2, -1, 1, 1], 'int32');
    registerNativeKernels(); // constants cached by earlier tests stay as backend data; fill the cache first
    const warm = [tf.engine().runKernel(SGD_UPDATE, { param, gradient, buffer }, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), crossEntropy(logits, labels)];
    const before = tf.memory();
    const outputs = tf.engine().runKernel(SGD_UPDATE, { param, gradient, buffer }, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }) as tf.Tensor[];
    const { value, grad } = tf.valueAndGrad((s: tf.Tensor) => crossEntropy(s, labels))(logits);
    expect(tf.memory()).toMatchObject({ numTensors: before.numTensors + 4, numDataBuffers: before.numDataBuffers + 4 });
    tf.dispose([warm as tf.Tensor[], outputs, value, grad, param, gradient, buffer, logits, labels].flat());
  });

  it.each([
    { name: 'createMlp with nllLoss', build: () => createMlp({ seed: 3 }), loss: nllLoss, imageShape: [784] },
    { name: 'createLinear with crossEntropy', build: () => createLinear({ seed: 3 }), loss: crossEntropy, imageShape: [28, 28, 1] },
  ])('train $name through fit with the same losses as the generic path, leaking no tensors', async ({ build, loss, imageShape }) => {
    const before = tf.memory().numTensors;
    let fast: number[] = [];
    const profile = await tf.profile(async () => { fast = await fitLosses(build(), loss, imageShape); });
    expect(profile.kernelNames).toEqual(expect.arrayContaining([SGD_UPDATE]));
    for (const { kernelName } of NATIVE_TRAIN_KERNEL_CONFIGS) tf.unregisterKernel(kernelName, NATIVE_BACKEND);
    try {
      const generic = await fitLosses(build(), loss, imageShape);
      expect(fast[2]).toBeLessThan(fast[0] as number);
      fast.forEach((value, i) => expect(Math.abs(value - (generic[i] as number))).toBeLessThan(1e-5 * Math.abs(generic[i] as number)));
    } finally {
      registerNativeKernels();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
