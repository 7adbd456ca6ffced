// Tests for the fused forward of Dense chains: which models it takes, model.apply's outputs and gradients, no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseStackOf } from '../../src/backend/dense_stack.js';
import { initBackend } from '../../src/backend/index.js';
import { createCnn, createHidden, createLinear, createMlp, createResNet } from '../../src/models/index.js';
import { crossEntropy, nllLoss, type LossFn } from '../../src/train/index.js';
import { randomValues, relativeError } from './reference.js';

// The same float32 products summed in another order (and wasm's two orientations): ~1e-6 of the scale.
const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

interface Case {
  name: string;
  build: () => tf.LayersModel;
  loss: LossFn;
  imageShape: number[];
}

const cases: Case[] = [
  { name: 'the linear model (image batches)', build: () => createLinear({ seed: 0 }), loss: crossEntropy, imageShape: [28, 28, 1] },
  { name: 'the hidden-layer model', build: () => createHidden({ seed: 0 }), loss: crossEntropy, imageShape: [28, 28, 1] },
  { name: 'the MLP (flat batches, relu, log-softmax)', build: () => createMlp({ seed: 0 }), loss: nllLoss, imageShape: [784] },
  { name: 'the MLP on image batches', build: () => createMlp({ seed: 0, inputShape: [28, 28, 1] }), loss: nllLoss, imageShape: [28, 28, 1] },
  { name: 'a tf.sequential of Dense(relu) and Dense', build: seededSequential, loss: crossEntropy, imageShape: [784] },
];

/** Two Dense layers as a tf.sequential (its InputLayer is not in model.layers), seeded so that two builds agree. */
function seededSequential(): tf.LayersModel {
  const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed }) });
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', ...seeded(1) }), tf.layers.dense({ units: 10, ...seeded(2) })] });
}

/** A fixed batch of 8 images and labels (caller disposes). */
function batch(imageShape: number[]): [tf.Tensor, tf.Tensor] {
  return [tf.tensor(randomValues(8 * 784, 1).map((v) => (v + 1) / 2), [8, ...imageShape]), tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 9], 'int32')];
}

/** The outputs, loss and weight gradients of one training forward, through model.apply or the fused stack. */
function outputsAndGradients(c: Case, fused: boolean): { shape: number[]; values: Float32Array }[] {
  const model = c.build();
  const [images, labels] = batch(c.imageShape);
  const forward = (): tf.Tensor => (fused ? denseStackOf(model)?.forward(images) : undefined) ?? (model.apply(images, { training: true }) as tf.Tensor);
  const results = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => c.loss(forward(), labels), model.trainableWeights.map((w) => w.read() as tf.Variable));
    return [forward(), value, ...Object.values(grads)].map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  });
  tf.dispose([images, labels]);
  model.dispose();
  return results;
}

describe('denseStackOf', () => {
  it.each(cases)('takes $name', (c) => {
    const model = c.build();
    expect(denseStackOf(model)).toBeDefined();
    model.dispose();
  });

  it('leaves the CNN, the ResNet and a chain with dropout to model.apply', () => {
    const dropout = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2 })] });
    for (const model of [createCnn({ seed: 0 }), createResNet({ seed: 0 }), dropout]) {
      expect(denseStackOf(model)).toBeUndefined();
      model.dispose();
    }
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it.each(cases)(`gives model.apply's outputs, loss and weight gradients for $name on ${backend}`, async (c) => {
      await tf.setBackend(backend);
      const want = outputsAndGradients(c, false);
      const got = outputsAndGradients(c, true);
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => {
        expect(got[i]?.shape).toEqual(w.shape);
        expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(TOLERANCE);
      });
    });
  }

  it('leaves no tensors or wasm buffers behind in a training step', async () => {
    await tf.setBackend('wasm');
    const model = createMlp({ seed: 0 });
    const [images, labels] = batch([784]);
    const optimizer = tf.train.sgd(0.01);
    const step = (): void => tf.dispose(optimizer.minimize(() => nllLoss(denseStackOf(model)?.forward(images) as tf.Tensor, labels), true) ?? []);
    step();
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
