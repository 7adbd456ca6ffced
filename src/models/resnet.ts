// Seed 003's small ResNet: stride-2 conv-BN-ReLU stages with residual blocks between, ending in ten logits.
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../random/index.js';
import { initGenerator, type InitOptions } from './init.js';
import { imageInput, MNIST_IMAGE_SHAPE } from './inputs.js';
import { batchNorm2d, call, conv2d, FORWARD_SEGMENT, relu } from './layers.js';
import { NUM_CLASSES } from './linear.js';
import { TORCH_MODULES_KEY } from './describe.js';

/** Options of `createResNet`. */
export interface ResNetOptions extends InitOptions {
  /** [28, 28, 1] (the default) or [784]. */
  inputShape?: readonly number[];
}

/** The tutorial's `convk3s2p1(ni, nf)`: Conv2d(ni, nf, 3, 2, 1, bias=False), BatchNorm2d(nf), ReLU(); halves height and width. */
function convk3s2p1(path: string, x: tf.SymbolicTensor, ni: number, nf: number, rng: Generator): tf.SymbolicTensor {
  let o = conv2d(`${path}.0`, x, ni, nf, { kernelSize: 3, stride: 2, padding: 1, bias: false }, rng);
  o = call(batchNorm2d(`${path}.1`), o);
  return call(relu(`${path}.2`), o);
}

/**
 * The tutorial's `ResBlock(nf)`: conv-bn-relu-conv-bn, add the input, relu; keeps the shape.
 * Like the PyTorch module it has ONE ReLU layer, applied twice (a shared layer in the functional API).
 */
function resBlock(path: string, x: tf.SymbolicTensor, nf: number, rng: Generator): tf.SymbolicTensor {
  const same = { kernelSize: 3, stride: 1, padding: 1, bias: false };
  const activation = relu(`${path}.relu`);
  let o = conv2d(`${path}.conv1`, x, nf, nf, same, rng);
  o = call(batchNorm2d(`${path}.bn1`), o);
  o = call(activation, o);
  o = conv2d(`${path}.conv2`, o, nf, nf, same, rng);
  o = call(batchNorm2d(`${path}.bn2`), o);
  o = call(tf.layers.add({ name: `${path}.${FORWARD_SEGMENT}.add` }), [o, x]);
  return call(activation, o);
}

/**
 * nn.Sequential(convk3s2p1(1, 8), ResBlock(8), convk3s2p1(8, 16), ResBlock(16), convk3s2p1(16, 32),
 * ResBlock(32), convk3s2p1(32, 16), convk3s2p1(16, 10), nn.Flatten()): [batch, 28, 28, 1] -> logits [batch, 10]
 * through 28 -> 14 -> 7 -> 4 -> 2 -> 1. 36,460 trainable parameters; BatchNorm uses PyTorch's momentum 0.1
 * and eps 1e-5, batch statistics under `apply(x, { training: true })` and running averages otherwise.
 */
export function createResNet(options: ResNetOptions = {}): tf.LayersModel {
  const rng = initGenerator(options);
  const { input, x: image } = imageInput(options.inputShape ?? MNIST_IMAGE_SHAPE);
  let x = convk3s2p1('0', image, 1, 8, rng);
  x = resBlock('1', x, 8, rng);
  x = convk3s2p1('2', x, 8, 16, rng);
  x = resBlock('3', x, 16, rng);
  x = convk3s2p1('4', x, 16, 32, rng);
  x = resBlock('5', x, 32, rng);
  x = convk3s2p1('6', x, 32, 16, rng);
  x = convk3s2p1('7', x, 16, NUM_CLASSES, rng);
  const logits = call(tf.layers.flatten({ name: '8' }), x);
  const model = tf.model({ name: 'Sequential', inputs: input, outputs: logits });
  const torchModules: Record<string, string> = {};
  for (const block of ['1', '3', '5']) {
    torchModules[block] = 'ResBlock';
    torchModules[`${block}.relu`] = 'ReLU(inplace=True)';
  }
  model.setUserDefinedMetadata({ [TORCH_MODULES_KEY]: torchModules });
  return model;
}
