// Seed 002's MLP: 784-128-128-64-64-10 with ReLU and a LogSoftmax output, as an nn.Sequential.
import * as tf from '@tensorflow/tfjs';
import { initGenerator, type InitOptions } from './init.js';
import { flatInput, MNIST_FLAT_SHAPE, MNIST_PIXELS } from './inputs.js';
import { call, linear, relu } from './layers.js';
import { NUM_CLASSES } from './linear.js';

/** Options of `createMlp`. */
export interface MlpOptions extends InitOptions {
  /** Widths of the hidden layers; the tutorial's `hidden_sizes`. */
  hiddenSizes?: readonly number[];
  /** [784] (the default: the tutorial flattens in its training loop) or [28, 28, 1]. */
  inputShape?: readonly number[];
}

/** The tutorial's `hidden_sizes = [128, 128, 64, 64]`. */
export const MLP_HIDDEN_SIZES: readonly number[] = [128, 128, 64, 64];

/**
 * Linear/ReLU pairs then Linear(64, 10) and LogSoftmax(dim=1): [batch, 784] -> log-probabilities [batch, 10]
 * (train it with `nllLoss`). Layers are named "0".."9" like the nn.Sequential indices. 130,058 parameters.
 */
export function createMlp(options: MlpOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const sizes = [MNIST_PIXELS, ...(options.hiddenSizes ?? MLP_HIDDEN_SIZES), NUM_CLASSES];
  const { input, x: flat } = flatInput(options.inputShape ?? MNIST_FLAT_SHAPE);
  let x = flat;
  let index = 0;
  for (let i = 1; i < sizes.length; i++) {
    x = call(linear(String(index++), sizes[i - 1] as number, sizes[i] as number, rng), x);
    if (i < sizes.length - 1) x = call(relu(String(index++)), x);
  }
  const logProbs = call(tf.layers.activation({ name: String(index), activation: 'logSoftmax' as 'softmax' }), x);
  return tf.model({ name: 'Sequential', inputs: input, outputs: logProbs });
}
