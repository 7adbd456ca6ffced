// Tests for our wasm Conv2DBackpropFilter: same filter gradient as the cpu backend's kernel, clear errors, no leaks.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UnsupportedConvGradientError, initBackend } from '../../src/backend/index.js';
import type { Case, Pad } from './conv_gradient_paths.js';
import { randomValues, relativeError } from './reference.js';

const { paths, PATHS, steerGemm } = await vi.hoisted(() => import('./conv_gradient_paths.js'));
vi.mock('../../src/backend/gemm.js', steerGemm);

// Tolerance: the largest difference is at most this fraction of the largest reference entry (float32 sums of
// up to a few hundred products in a different order agree to ~1e-6 here).
const RELATIVE_TOLERANCE = 1e-4;
const SEED_PAD: Pad = [[0, 0], [1, 1], [1, 1], [0, 0]]; // PyTorch's padding=1

const cases: Case[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'same' },
  { x: [4, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' }, // even size: TF pads 0 on top, 1 below
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [3, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 6, 6, 4], filter: [2, 2, 4, 2], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' }, // the last row and column are never read
  { x: [2, 10, 10, 2], filter: [2, 2, 2, 3], strides: 3, pad: 'valid' }, // ... nor the last two
  { x: [2, 6, 6, 2], filter: [1, 1, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 4], filter: [5, 5, 4, 2], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 8], filter: [3, 3, 8, 8], strides: 1, pad: 1 },
  { x: [2, 10, 10, 16], filter: [3, 3, 16, 16], strides: 2, pad: SEED_PAD },
  { x: [3, 9, 6, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: 'same' },
  // One input channel (by columns in the fallback): seed 001's first conv, and windows dropped at the bottom and right.
  { x: [3, 28, 28, 1], filter: [3, 3, 1, 16], strides: 2, pad: SEED_PAD },
  { x: [2, 8, 8, 1], filter: [3, 3, 1, 4], strides: 2, pad: 'valid' },
  { x: [2, 7, 9, 1], filter: [2, 3, 1, 3], strides: [1, 2], pad: 'same' },
];

/** dL/dfilter of L = sum(conv2d(x, filter) * weights), via tf.grad on the given backend. */
async function filterGradient(backend: 'cpu' | 'wasm', c: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const info = backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const outCount = info.outShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(tf.util.sizeFromShape(c.x), 1), c.x);
    const filter = tf.tensor4d(randomValues(tf.util.sizeFromShape(c.filter), 2), c.filter);
    const weights = tf.tensor(randomValues(outCount, 3), info.outShape);
    const grad = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad), weights)))(filter);
    expect(grad.shape).toEqual(c.filter);
    return grad.dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe.each(PATHS)('Conv2DBackpropFilter on wasm, through %s', (_, withoutModule) => {
  beforeAll(() => void (paths.withoutModule = withoutModule));

  it('takes that path (a strided 3x3 convolution with three channels)', async () => {
    await tf.setBackend('wasm');
    const before = paths.windowCalls;
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([2, 8, 8, 3]), dy: tf.zeros([2, 4, 4, 5]) }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 5] }));
    expect(paths.windowCalls - before).toBe(withoutModule ? 0 : 1);
  });

  it.each(cases)('matches the cpu backend for x $x, filter $filter, strides $strides, pad $pad', async (c) => {
    const want = await filterGradient('cpu', c);
    const got = await filterGradient('wasm', c);
    expect(got).toHaveLength(want.length);
    expect(relativeError(got, want)).toBeLessThan(RELATIVE_TOLERANCE);
  });

  it('leaves no tensors or wasm buffers behind after many calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 9, 9, 3]);
    const dy = tf.randomNormal([4, 5, 5, 6]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 6] };
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 50; i++) tf.dispose(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs));
    const grey = tf.randomNormal([4, 9, 9, 1]); // one channel: the columns path
    for (let i = 0; i < 20; i++) tf.dispose(tf.engine().runKernel('Conv2DBackpropFilter', { x: grey, dy }, { ...attrs, filterShape: [3, 3, 1, 6] }));
    grey.dispose();
    // numDataIds counts wasm buffers the engine never sees, such as the kernel's intermediates.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, dy]);
  });

  it('leaves nothing behind when used through tf.grad', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal<tf.Rank.R4>([2, 8, 8, 2]);
    const filter = tf.randomNormal([3, 3, 2, 4]);
    const buffersBefore = tf.backend().numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.dispose(tf.grad((f) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(filter));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, filter]);
  });

  it('rejects NCHW data with a message naming NHWC', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 5, 5]);
      const dy = tf.zeros([1, 3, 5, 5]);
      const run = (): unknown => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] });
      expect(run).toThrow(UnsupportedConvGradientError);
      expect(run).toThrow("supports dataFormat 'NHWC', got 'NCHW'");
    });
  });

  it('rejects dilations other than 1', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.zeros([1, 7, 7, 1]);
      const dy = tf.zeros([1, 7, 7, 1]);
      expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1], dilations: 2 }))
        .toThrow('supports dilations 1, got 2');
    });
  });
});
