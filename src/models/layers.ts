// PyTorch-shaped layer builders (nn.Linear, nn.Conv2d, nn.BatchNorm2d, nn.ReLU) as standard tf.layers.
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../random/index.js';
import { torchUniform } from './init.js';

/**
 * Layer names double as PyTorch module paths ("linear", "0", "1.conv1") so that `torchRepr` can print
 * the model as PyTorch does and weights read like a state_dict ("1.conv1/kernel" ~ "1.conv1.weight").
 * Layers that stand for code in PyTorch's forward() rather than a module (F.relu, xb.view, o + x) get
 * a "forward" path segment, and torchRepr leaves them out.
 */
export const FORWARD_SEGMENT = 'forward';

/** nn.Linear(inFeatures, outFeatures): maps [batch, inFeatures] to [batch, outFeatures]. */
export function linear(name: string, inFeatures: number, outFeatures: number, rng: Generator): tf.layers.Layer {
  return tf.layers.dense({
    name,
    units: outFeatures,
    inputDim: inFeatures,
    useBias: true,
    kernelInitializer: torchUniform(inFeatures, rng),
    biasInitializer: torchUniform(inFeatures, rng),
  });
}

/** Options of `conv2d`, PyTorch's Conv2d arguments. */
export interface Conv2dOptions {
  kernelSize: number;
  stride: number;
  padding: number;
  bias: boolean;
}

/**
 * nn.Conv2d on [batch, height, width, channels]. PyTorch pads `padding` pixels on every side; TF's
 * 'same' padding with stride 2 pads only bottom/right, which shifts every output, so the padding is an
 * explicit ZeroPadding2D in front of a 'valid' convolution (torchRepr folds it back into Conv2d).
 * Returns the output symbolic tensor.
 */
export function conv2d(
  name: string,
  input: tf.SymbolicTensor,
  inChannels: number,
  outChannels: number,
  options: Conv2dOptions,
  rng: Generator,
): tf.SymbolicTensor {
  const { kernelSize, stride, padding, bias } = options;
  const fanIn = inChannels * kernelSize * kernelSize;
  let x = input;
  if (padding > 0) x = tf.layers.zeroPadding2d({ name: `${name}_pad`, padding }).apply(x) as tf.SymbolicTensor;
  const conv = tf.layers.conv2d({
    name,
    filters: outChannels,
    kernelSize,
    strides: stride,
    padding: 'valid',
    useBias: bias,
    kernelInitializer: torchUniform(fanIn, rng),
    ...(bias ? { biasInitializer: torchUniform(fanIn, rng) } : {}),
  });
  return conv.apply(x) as tf.SymbolicTensor;
}

/** PyTorch BatchNorm defaults: its momentum 0.1 weighs the new batch, TF's momentum weighs the old average. */
export const TORCH_BATCHNORM_MOMENTUM = 0.1;
export const TORCH_BATCHNORM_EPSILON = 1e-5;

/** nn.BatchNorm2d(channels) with PyTorch's momentum and eps (gamma 1, beta 0, running mean 0, var 1). */
export function batchNorm2d(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({
    name,
    axis: -1,
    momentum: 1 - TORCH_BATCHNORM_MOMENTUM,
    epsilon: TORCH_BATCHNORM_EPSILON,
  });
}

/** nn.ReLU() as a layer of its own, so the model prints and saves like the PyTorch module list. */
export function relu(name: string): tf.layers.Layer {
  return tf.layers.reLU({ name });
}

/** Applies a layer in the functional API and narrows the result to one symbolic tensor. */
export function call(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}
