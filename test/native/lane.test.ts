// The CI native lane (scripts/native/test.sh) really computes on native TensorFlow, and trains as the cpu backend does.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from '../../src/backend/index.js';
import { createCnn, createMlp } from '../../src/models/index.js';
import { SGD, crossEntropy } from '../../src/train/index.js';
import { createGenerator } from '../../src/random/index.js';

/** Set by scripts/native/test.sh; elsewhere native TensorFlow is not installed and this file is skipped. */
const IN_NATIVE_LANE = process.env.NATIVE_LANE === '1';

/** The TensorFlow that scripts/native/config.sh builds against (tfjs-node 4.22's own). */
const EXPECTED_TENSORFLOW = '2.9.1';

/**
 * Weights may differ by float32 rounding: TensorFlow (oneDNN) sums matmuls and convolutions in another order than
 * the cpu backend's loops. Measured after three steps: 1.5e-8 for both models, so 1e-5 leaves room and still catches
 * a wrong kernel or gradient (those differ by about the learning rate times a gradient, 1e-3 and more).
 */
const STEP_TOLERANCE = 1e-5;

/** A fixed batch of `batchSize` random 28x28 images and labels, the same on every backend. */
function fixedBatch(batchSize: number): { images: Float32Array; labels: Int32Array } {
  const rng = createGenerator(7);
  const images = Float32Array.from({ length: batchSize * 784 }, () => rng.next());
  const labels = Int32Array.from({ length: batchSize }, () => Math.floor(rng.next() * 10));
  return { images, labels };
}

/**
 * Builds the model on `backend`, takes three SGD steps with momentum on the fixed batch (so later steps build on
 * earlier ones), and returns the losses and the final weights (copied out; every tensor is freed).
 */
async function trainSteps(backend: 'tensorflow' | 'cpu', build: () => tf.LayersModel, batchSize: number):
  Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = build();
  const { images, labels } = fixedBatch(batchSize);
  const xs = tf.tensor2d(images, [batchSize, 784]);
  const ys = tf.tensor1d(labels, 'int32');
  const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const loss = optimizer.step(() => crossEntropy(model.apply(xs, { training: true }) as tf.Tensor, ys));
    losses.push(loss.dataSync()[0] as number);
    loss.dispose();
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  return { losses, weights };
}

function maxAbsDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((values, i) => values.forEach((v, j) => { max = Math.max(max, Math.abs(v - (b[i]?.[j] ?? Number.NaN))); }));
  return max;
}

describe.skipIf(!IN_NATIVE_LANE)('the native lane', () => {
  beforeAll(async () => { await initBackend({ log: () => {} }); });

  it('runs on native TensorFlow, chosen by initBackend, with the version tfjs-node was built for', () => {
    const info = backendInfo();
    expect(tf.getBackend()).toBe('tensorflow');
    expect(info).toMatchObject({ name: 'tensorflow', native: true });
    expect(info?.versions).toMatchObject({ tensorflow: EXPECTED_TENSORFLOW, 'tfjs-node': tf.version_core });
  });

  it('trains the MLP to the same weights as the cpu backend', async () => {
    const build = (): tf.LayersModel => createMlp({ seed: 1 });
    const native = await trainSteps('tensorflow', build, 32);
    const cpu = await trainSteps('cpu', build, 32);
    expect(native.losses[2]).toBeLessThan(native.losses[0] as number);
    native.losses.forEach((loss, i) => expect(loss).toBeCloseTo(cpu.losses[i] as number, 4));
    expect(maxAbsDifference(native.weights, cpu.weights)).toBeLessThan(STEP_TOLERANCE);
  });

  it('trains the seed-001 CNN to the same weights as the cpu backend', async () => {
    const build = (): tf.LayersModel => createCnn({ seed: 1 });
    const native = await trainSteps('tensorflow', build, 16);
    const cpu = await trainSteps('cpu', build, 16);
    native.losses.forEach((loss, i) => expect(loss).toBeCloseTo(cpu.losses[i] as number, 4));
    expect(maxAbsDifference(native.weights, cpu.weights)).toBeLessThan(STEP_TOLERANCE);
  });

  it('frees every tensor of a training step', async () => {
    await tf.setBackend('tensorflow');
    const before = tf.memory().numTensors;
    await trainSteps('tensorflow', () => createMlp({ seed: 2 }), 8);
    expect(tf.memory().numTensors).toBe(before);
  });
});
