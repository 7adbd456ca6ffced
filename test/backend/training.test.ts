// Tests that the course's models train on wasm: every gradient kernel they need exists, and matches cpu's.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createGenerator } from '../../src/random/index.js';

const PYTORCH_PADDING_1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
// Gradients through three convs, pooling and a softmax agree between backends to ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-4;

function uniform(count: number, seed: number, scale: number): Float32Array {
  const rng = createGenerator(seed);
  return Float32Array.from({ length: count }, () => (rng.next() * 2 - 1) * scale);
}

/** Shapes of the small CNN: conv 1->8 stride 2 pad 1, relu, conv 8->8 stride 2 pad 1, avgPool 4, dense 8->10. */
const PARAM_SHAPES: Record<string, number[]> = { w1: [3, 3, 1, 8], b1: [8], w2: [3, 3, 8, 8], b2: [8], w3: [8, 10], b3: [10] };

function makeParams(): Record<string, tf.Variable> {
  const params: Record<string, tf.Variable> = {};
  Object.entries(PARAM_SHAPES).forEach(([name, shape], i) => {
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const scale = shape.length === 1 ? 0.01 : Math.sqrt(6 / fanIn); // He-uniform weights, small biases
    params[name] = tf.variable(tf.tensor(uniform(tf.util.sizeFromShape(shape), 10 + i, scale), shape), true, `${name}_${Math.random()}`);
  });
  return params;
}

function cnnLogits(p: Record<string, tf.Variable>, images: tf.Tensor4D): tf.Tensor2D {
  const v = (name: string): tf.Variable => p[name] as tf.Variable;
  const h1 = tf.relu(tf.add(tf.conv2d(images, v('w1') as tf.Tensor4D, 2, PYTORCH_PADDING_1), v('b1'))) as tf.Tensor4D; // [b, 14, 14, 8]
  const h2 = tf.relu(tf.add(tf.conv2d(h1, v('w2') as tf.Tensor4D, 2, PYTORCH_PADDING_1), v('b2'))) as tf.Tensor4D; // [b, 7, 7, 8]
  const pooled = tf.avgPool(h2, 4, 4, 'valid'); // [b, 1, 1, 8]
  return tf.add(tf.matMul(tf.reshape(pooled, [-1, 8]), v('w3') as tf.Tensor2D), v('b3'));
}

function batch(size: number): { images: tf.Tensor4D; labels: tf.Tensor2D } {
  const rng = createGenerator(7);
  const labels = Int32Array.from({ length: size }, () => rng.int(10));
  return {
    images: tf.tensor4d(uniform(size * 28 * 28, 8, 1).map(Math.abs), [size, 28, 28, 1]),
    labels: tf.oneHot(tf.tensor1d(labels, 'int32'), 10) as tf.Tensor2D,
  };
}

function relativeError(got: Float32Array, want: Float32Array): number {
  let maxDiff = 0;
  let maxWant = 0;
  want.forEach((w, i) => {
    maxDiff = Math.max(maxDiff, Math.abs((got[i] ?? NaN) - w));
    maxWant = Math.max(maxWant, Math.abs(w));
  });
  return maxDiff / Math.max(maxWant, 1e-12);
}

/** Gradient of the CNN's cross-entropy w.r.t. each parameter, on the given backend. */
async function cnnGradients(backend: 'cpu' | 'wasm'): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const params = makeParams();
  const { images, labels } = batch(8);
  const { grads, value } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, cnnLogits(params, images)) as tf.Scalar);
  const out: Record<string, Float32Array> = {};
  for (const [name, variable] of Object.entries(params)) out[name] = (grads[variable.name] as tf.Tensor).dataSync() as Float32Array;
  tf.dispose([images, labels, value, ...Object.values(grads), ...Object.values(params)]);
  return out;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('training on wasm', () => {
  it('gives the same CNN gradients as the cpu backend', async () => {
    const want = await cnnGradients('cpu');
    const got = await cnnGradients('wasm');
    for (const name of Object.keys(PARAM_SHAPES)) {
      expect(relativeError(got[name] as Float32Array, want[name] as Float32Array), name).toBeLessThan(RELATIVE_TOLERANCE);
    }
  });

  it('lowers the loss of a small CNN over a few SGD steps without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const params = makeParams();
    const { images, labels } = batch(16);
    const optimizer = tf.train.sgd(0.1);
    const tensorsBefore = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, cnnLogits(params, images)) as tf.Scalar, true);
      losses.push(loss?.dataSync()[0] ?? NaN);
      tf.dispose(loss ?? []);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)).toBeLessThan(losses[0] as number);
    tf.dispose([images, labels, ...Object.values(params)]);
    optimizer.dispose();
  });

  it('fits a ResNet-style layers model (zero padding, batch norm, add, max/avg pooling, dropout) on wasm', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [12, 12, 1] });
    const padded = tf.layers.zeroPadding2d({ padding: 1 }).apply(input) as tf.SymbolicTensor;
    const stem = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, useBias: false }).apply(padded) as tf.SymbolicTensor;
    const normed = tf.layers.batchNormalization().apply(stem) as tf.SymbolicTensor;
    const x = tf.layers.reLU().apply(normed) as tf.SymbolicTensor; // [6, 6, 4]
    const branch = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
    const branchNormed = tf.layers.batchNormalization().apply(branch) as tf.SymbolicTensor;
    const residual = tf.layers.add().apply([branchNormed, x]) as tf.SymbolicTensor;
    const activated = tf.layers.activation({ activation: 'relu' }).apply(residual) as tf.SymbolicTensor;
    const maxPooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(activated) as tf.SymbolicTensor; // [3, 3, 4]
    const avgPooled = tf.layers.averagePooling2d({ poolSize: 3 }).apply(maxPooled) as tf.SymbolicTensor; // [1, 1, 4]
    const flat = tf.layers.flatten().apply(avgPooled) as tf.SymbolicTensor;
    const dropped = tf.layers.dropout({ rate: 0.2, seed: 1 }).apply(flat) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(dropped) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });

    const images = tf.tensor4d(uniform(16 * 12 * 12, 3, 1), [16, 12, 12, 1]);
    const labels = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
    const history = await model.fit(images, labels, { epochs: 2, batchSize: 8, verbose: 0 });
    expect((history.history.loss as number[]).every(Number.isFinite)).toBe(true);
    tf.dispose([images, labels]);
    model.dispose();
  });

  it('trains an MLP through log-softmax and negative log-likelihood with the same gradients as cpu', async () => {
    const gradients = async (backend: 'cpu' | 'wasm'): Promise<Float32Array> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const inputs = tf.tensor2d(uniform(6 * 20, 4, 1), [6, 20]);
        const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 8);
        const weights = tf.tensor2d(uniform(20 * 8, 5, 0.3), [20, 8]);
        const nll = (w: tf.Tensor): tf.Scalar =>
          tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(tf.relu(tf.matMul(inputs, w as tf.Tensor2D)))), 1))) as tf.Scalar;
        return tf.grad(nll)(weights).dataSync() as Float32Array;
      });
    };
    const want = await gradients('cpu');
    expect(relativeError(await gradients('wasm'), want)).toBeLessThan(RELATIVE_TOLERANCE);
  });
});
