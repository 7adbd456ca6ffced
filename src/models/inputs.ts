// Model inputs: MNIST images come as [batch, 784] or [batch, 28, 28, 1], and each model accepts either.
import * as tf from '@tensorflow/tfjs';
import { InputShapeError } from './errors.js';
import { FORWARD_SEGMENT } from './layers.js';

/** Pixels per MNIST image. */
export const MNIST_PIXELS = 784;
/** One MNIST image as [height, width, channels]. */
export const MNIST_IMAGE_SHAPE: readonly [number, number, number] = [28, 28, 1];
/** A flattened MNIST image. */
export const MNIST_FLAT_SHAPE: readonly [number] = [MNIST_PIXELS];

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkPixels(inputShape: readonly number[]): void {
  if (size(inputShape) !== MNIST_PIXELS || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new InputShapeError(
      '[784] or [28, 28, 1] (one MNIST image, batch dimension left out)',
      inputShape,
      'Pass inputShape: [784] for flattened batches or [28, 28, 1] for image batches.',
    );
  }
}

/** The input and the same batch as [batch, 784]; a Flatten stands for the tutorial's `xb.reshape(-1, 784)`. */
export function flatInput(inputShape: readonly number[]): { input: tf.SymbolicTensor; x: tf.SymbolicTensor } {
  checkPixels(inputShape);
  const input = tf.input({ shape: [...inputShape], name: 'input' });
  if (inputShape.length === 1) return { input, x: input };
  const x = tf.layers.flatten({ name: `${FORWARD_SEGMENT}.reshape` }).apply(input) as tf.SymbolicTensor;
  return { input, x };
}

/** The input and the same batch as [batch, 28, 28, 1]; a Reshape stands for the tutorial's `xb.view(-1, 1, 28, 28)`. */
export function imageInput(inputShape: readonly number[]): { input: tf.SymbolicTensor; x: tf.SymbolicTensor } {
  checkPixels(inputShape);
  const input = tf.input({ shape: [...inputShape], name: 'input' });
  if (inputShape.length === 3 && inputShape[2] === 1) return { input, x: input };
  const reshape = tf.layers.reshape({ name: `${FORWARD_SEGMENT}.view`, targetShape: [...MNIST_IMAGE_SHAPE] });
  return { input, x: reshape.apply(input) as tf.SymbolicTensor };
}
