// Shared by the native-lane kernel tests: the lane switch, seeded tensors, relative error, and a short fit.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createGenerator } from '../../src/random/index.js';
import { SGD, fit, type BatchSource, type LossFn } from '../../src/train/index.js';

/** Set by scripts/native/test.sh; elsewhere native TensorFlow is not installed and these files are skipped. */
export const IN_NATIVE_LANE = process.env.NATIVE_LANE === '1';

/** A tensor of values uniform in [-scale, scale), fixed by `seed`. */
export function seeded(seed: number, shape: number[], scale = 1): tf.Tensor {
  const rng = createGenerator(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * scale), shape);
}

/** max |actual - expected| / max |expected| over two arrays of values. */
export function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return difference / Math.max(scale, Number.MIN_VALUE);
}

/** max |actual - expected| / max |expected| (and the shapes must agree). */
export function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  expect(actual.shape).toEqual(expected.shape);
  return maxRelative(actual.dataSync(), expected.dataSync());
}

/**
 * The batch losses of three fit epochs of one fixed batch of 16 images of `imageShape` (model and all freed).
 * Eager steps (graph: false): these compare our eager kernels with the generic ops; test/graph covers graph steps.
 */
export async function fitLosses(model: tf.LayersModel, loss: LossFn, imageShape: number[]): Promise<number[]> {
  const optimizer = new SGD(model, { lr: 0.05, momentum: 0.9 });
  const images = tf.tidy(() => seeded(11, [16, ...imageShape]).abs());
  const rng = createGenerator(12);
  const labels = tf.tensor1d(Int32Array.from({ length: 16 }, () => rng.int(10)), 'int32');
  const loader: BatchSource = { length: 1, *[Symbol.iterator]() { yield { images: tf.clone(images), labels: tf.clone(labels) }; } };
  const losses: number[] = [];
  await fit(model, loader, { loss, optimizer, epochs: 3, graph: false, callbacks: { onBatchEnd: (e) => void losses.push(e.loss) } });
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  return losses;
}
