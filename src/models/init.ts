// PyTorch's default initialization for Linear and Conv2d layers, drawn from the course's seedable generator.
import * as tf from '@tensorflow/tfjs';
import { createGenerator, defaultRng, type Generator } from '../random/index.js';

/** Options shared by every model factory. */
export interface InitOptions {
  /**
   * Seed for this model's initializers. Without it the weights come from the default generator,
   * so `setSeed(s)` before building makes initialization reproducible, like `torch.manual_seed`.
   */
  seed?: number;
}

/** The generator a factory draws its initializer seeds from. */
export function initGenerator(options: InitOptions = {}): Generator {
  return options.seed === undefined ? defaultRng() : createGenerator(options.seed);
}

/**
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for weights (kaiming_uniform with a = sqrt(5)
 * gives gain sqrt(1/3), and bound = gain * sqrt(3 / fanIn) = 1/sqrt(fanIn)) and for biases alike.
 * fanIn is inFeatures for Linear and inChannels * kernelHeight * kernelWidth for Conv2d.
 */
export function torchUniform(fanIn: number, rng: Generator): ReturnType<typeof tf.initializers.randomUniform> {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() });
}
