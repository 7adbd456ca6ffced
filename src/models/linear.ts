// The linear models of the first tutorials: one Linear layer, and two Linear layers with nothing between.
import * as tf from '@tensorflow/tfjs';
import { initGenerator, type InitOptions } from './init.js';
import { flatInput, MNIST_FLAT_SHAPE, MNIST_IMAGE_SHAPE, MNIST_PIXELS } from './inputs.js';
import { call, linear } from './layers.js';

/** Number of digit classes. */
export const NUM_CLASSES = 10;

/** Options of the dense models: initialization seed and the shape of one input image. */
export interface DenseModelOptions extends InitOptions {
  /** [784] for flattened batches or [28, 28, 1] for image batches (flattened inside the model). */
  inputShape?: readonly number[];
}

/**
 * Seed 000's `MnistModel`: Linear(784, 10) on flattened images, [batch, ...inputShape] -> logits [batch, 10].
 * The default input is [28, 28, 1] because that tutorial's forward() flattens the image itself.
 * @example const model = createLinear(); model.predict(tf.zeros([1, 28, 28, 1]))  // [1, 10] logits
 */
export function createLinear(options: DenseModelOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const { input, x } = flatInput(options.inputShape ?? MNIST_IMAGE_SHAPE);
  const logits = call(linear('linear', MNIST_PIXELS, NUM_CLASSES, rng), x);
  return tf.model({ name: 'MnistModel', inputs: input, outputs: logits });
}

/**
 * Seed 000's second `MnistModel`: Linear(784, 100) then Linear(100, 10) with NO activation between,
 * exactly as the tutorial wrote it (so it is still a linear model, with 79,510 parameters).
 */
export function createHidden(options: DenseModelOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const { input, x } = flatInput(options.inputShape ?? MNIST_IMAGE_SHAPE);
  const hidden = call(linear('linear', MNIST_PIXELS, 100, rng), x);
  const logits = call(linear('hidden', 100, NUM_CLASSES, rng), hidden);
  return tf.model({ name: 'MnistModel', inputs: input, outputs: logits });
}

/** Seed 001's `FeedForward`: `self.lin = nn.Linear(784, 10)` on flattened [batch, 784] input (the default). */
export function createFeedForward(options: DenseModelOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const { input, x } = flatInput(options.inputShape ?? MNIST_FLAT_SHAPE);
  const logits = call(linear('lin', MNIST_PIXELS, NUM_CLASSES, rng), x);
  return tf.model({ name: 'FeedForward', inputs: input, outputs: logits });
}
