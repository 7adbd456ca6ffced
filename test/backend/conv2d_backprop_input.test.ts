// Tests for our wasm Conv2DBackpropInput: the same input gradient as the cpu backend's kernel, and no leaks.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import type { Case, Pad } from './conv_gradient_paths.js';
import { onBackend, randomValues, relativeError } from './reference.js';

const { paths, PATHS, steerGemm } = await vi.hoisted(() => import('./conv_gradient_paths.js'));
vi.mock('../../src/backend/gemm.js', steerGemm);

// Float32 sums of up to a few hundred products, in another order than cpu's loops: they agree to ~1e-6.
const RELATIVE_TOLERANCE = 1e-4;
const TORCH_PAD_1: Pad = [[0, 0], [1, 1], [1, 1], [0, 0]];

const cases: Case[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 8], filter: [3, 3, 8, 8], strides: 1, pad: TORCH_PAD_1 }, // a ResBlock conv
  { x: [3, 14, 14, 1], filter: [3, 3, 1, 16], strides: 2, pad: TORCH_PAD_1 }, // seed 001's first conv
  { x: [2, 7, 7, 16], filter: [3, 3, 16, 10], strides: 2, pad: TORCH_PAD_1 }, // odd size: bottom row read once
  { x: [4, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' }, // TF pads 0 on top, 1 below
  { x: [3, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' }, // the last row and column get no gradient
  { x: [2, 10, 10, 2], filter: [2, 2, 2, 3], strides: 3, pad: 'valid' },
  { x: [2, 6, 6, 4], filter: [1, 1, 4, 2], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 4], filter: [5, 5, 4, 2], strides: 1, pad: 2 },
  { x: [3, 9, 6, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: 'same' },
];

/** dL/dx of L = sum(conv2d(x, filter) * weights), via tf.grad on the given backend. */
async function inputGradient(backend: 'cpu' | 'wasm', c: Case): Promise<Float32Array> {
  const info = backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const [result] = await onBackend(backend, () => {
    const x = tf.tensor4d(randomValues(tf.util.sizeFromShape(c.x), 1), c.x);
    const filter = tf.tensor4d(randomValues(tf.util.sizeFromShape(c.filter), 2), c.filter);
    const weights = tf.tensor(randomValues(tf.util.sizeFromShape(info.outShape), 3), info.outShape);
    return [tf.grad((input) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter, c.strides, c.pad), weights)))(x)];
  });
  expect(result?.shape).toEqual(c.x);
  return result?.values as Float32Array;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe.each(PATHS)('Conv2DBackpropInput on wasm, through %s', (_, withoutModule) => {
  beforeAll(() => void (paths.withoutModule = withoutModule));

  it('takes that path (a strided 3x3 convolution with three channels)', async () => {
    await tf.setBackend('wasm');
    const before = paths.windowCalls;
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.zeros([2, 4, 4, 5]), filter: tf.zeros([3, 3, 3, 5]) }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 8, 8, 3] }));
    expect(paths.windowCalls - before).toBe(withoutModule ? 0 : 1);
  });

  it.each(cases)('matches the cpu backend for x $x, filter $filter, strides $strides, pad $pad', async (c) => {
    const want = await inputGradient('cpu', c);
    const got = await inputGradient('wasm', c);
    expect(got).toHaveLength(want.length);
    expect(relativeError(got, want)).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it('leaves no tensors or wasm buffers behind after many calls', async () => {
    await tf.setBackend('wasm');
    const dy = tf.randomNormal([4, 5, 5, 6]);
    const filter = tf.randomNormal([3, 3, 3, 6]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [4, 9, 9, 3] };
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 50; i++) tf.dispose(tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs));
    // numDataIds also counts wasm buffers the engine never sees, such as the dilated dy and the flipped filter.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([dy, filter]);
  });

  it('leaves nothing behind when used through tf.grad', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal<tf.Rank.R4>([2, 8, 8, 2]);
    const filter = tf.randomNormal<tf.Rank.R4>([3, 3, 2, 4]);
    const buffersBefore = tf.backend().numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.dispose(tf.grad((input) => tf.sum(tf.conv2d(input as tf.Tensor4D, filter, 2, 'same')))(x));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, filter]);
  });
});
