// Seed 001's CNN: three stride-2 convolutions with ReLU, 4x4 average pooling, ten logits.
import * as tf from '@tensorflow/tfjs';
import { initGenerator, type InitOptions } from './init.js';
import { imageInput, MNIST_FLAT_SHAPE } from './inputs.js';
import { call, conv2d, FORWARD_SEGMENT, type Conv2dOptions } from './layers.js';
import { NUM_CLASSES } from './linear.js';

/** Options of `createCnn`. */
export interface CnnOptions extends InitOptions {
  /** [784] (the default, as in the tutorial, viewed as 28x28 inside) or [28, 28, 1]. */
  inputShape?: readonly number[];
}

const CONV: Conv2dOptions = { kernelSize: 3, stride: 2, padding: 1, bias: true };

/**
 * Conv2d(1,16,3,2,1) -> ReLU -> Conv2d(16,16,3,2,1) -> ReLU -> Conv2d(16,10,3,2,1) -> ReLU -> avg_pool2d(4),
 * spatial size 28 -> 14 -> 7 -> 4 -> 1; output logits [batch, 10]. 3,930 parameters.
 * The ReLUs and the pooling are F.relu / F.avg_pool2d calls in the tutorial's forward(), not modules.
 */
export function createCnn(options: CnnOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const { input, x: image } = imageInput(options.inputShape ?? MNIST_FLAT_SHAPE);
  let x = image;
  const channels = [1, 16, 16, NUM_CLASSES];
  for (let i = 1; i < channels.length; i++) {
    x = conv2d(`conv${i}`, x, channels[i - 1] as number, channels[i] as number, CONV, rng);
    x = call(tf.layers.reLU({ name: `${FORWARD_SEGMENT}.relu${i}` }), x);
  }
  x = call(tf.layers.averagePooling2d({ name: `${FORWARD_SEGMENT}.avg_pool2d`, poolSize: 4, strides: 4 }), x);
  const logits = call(tf.layers.flatten({ name: `${FORWARD_SEGMENT}.flatten` }), x);
  return tf.model({ name: 'CNN', inputs: input, outputs: logits });
}
