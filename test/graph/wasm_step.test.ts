// fit's compiled step on wasm trains the Dense-chain models to the eager step's exact values, and falls back cleanly.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { graphStepStatus, WASM_STEP } from '../../src/graph/index.js';
import { createCnn, createLinear } from '../../src/models/index.js';
import { SGD, crossEntropy, fit, nllLoss, type LossFn } from '../../src/train/index.js';
import { IN_NATIVE_LANE } from '../native/fixtures.js';
import { SETUPS, batchesFor, train, type Setup } from './fixtures.js';

/** Buffers on the wasm heap: a compiled step that forgets one leaks memory the engine never sees. */
const heapBuffers = (): number => (tf.backend() as BackendWasm).numDataIds();

const DENSE_CHAINS = ['the linear model with crossEntropy and plain SGD', 'the hidden-layer model', 'the MLP with nllLoss and momentum'];

describe.skipIf(IN_NATIVE_LANE)('fit with compiled steps on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  for (const name of DENSE_CHAINS) {
    it(`trains ${name} to the eager step's exact losses, accuracy, weights and momentum buffers, leaking nothing`, async () => {
      const make = SETUPS[name] as () => Setup;
      const eager = await train(make, false);
      const buffersBefore = heapBuffers();
      const compiled = await train(make, true);
      expect(compiled.status).toBe(WASM_STEP);
      expect(compiled.losses).toHaveLength(6);
      expect(compiled.losses).toEqual(eager.losses);
      expect(compiled.history.trainLoss).toEqual(eager.history.trainLoss);
      expect(compiled.history.trainAccuracy).toEqual(eager.history.trainAccuracy);
      compiled.weights.forEach((w, i) => expect(w).toEqual(eager.weights[i]));
      compiled.buffers.forEach((b, i) => expect(b).toEqual(eager.buffers[i]));
      expect(compiled.iterations).toBe(eager.iterations);
      expect(compiled.leaked).toBe(0);
      expect(heapBuffers()).toBe(buffersBefore);
    });
  }

  it('trains with weight decay as the eager step does', async () => {
    const make = (): Setup => ({ ...(SETUPS['the MLP with nllLoss and momentum'] as () => Setup)() });
    const withDecay = (): Setup => {
      const setup = make();
      setup.optimizer.dispose();
      return { ...setup, optimizer: new SGD(setup.model, { lr: 0.05, momentum: 0.9, weightDecay: 1e-2 }) };
    };
    const [eager, compiled] = [await train(withDecay, false), await train(withDecay, true)];
    expect(compiled.status).toBe(WASM_STEP);
    expect(compiled.losses).toEqual(eager.losses);
    compiled.weights.forEach((w, i) => expect(w).toEqual(eager.weights[i]));
  });

  it('leaves frozen weights as they are', async () => {
    const model = createLinear({ seed: 3 });
    const bias = model.layers.find((layer) => layer.getClassName() === 'Dense')?.weights[1] as tf.LayerVariable;
    bias.trainable = false;
    const before = bias.read().dataSync().slice();
    const setup: Setup = { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), imageShape: [28, 28, 1] };
    await fit(model, batchesFor(setup), { loss: crossEntropy, optimizer: setup.optimizer, epochs: 1 });
    expect(graphStepStatus(model)).toBe(WASM_STEP);
    expect(bias.read().dataSync()).toEqual(before);
    expect(model.weights[0]?.read().dataSync()).not.toEqual(createLinear({ seed: 3 }).weights[0]?.read().dataSync());
    model.dispose();
  });

  it('trains eagerly, and says why, where the compiled step does not cover the setup', async () => {
    const cnn = createCnn({ seed: 1 });
    const linear = createLinear({ seed: 1 });
    const cases: [tf.LayersModel, LossFn, tf.Optimizer, number[], RegExp][] = [
      [cnn, crossEntropy, new SGD(cnn, { lr: 0.1 }), [784], /only chains of Dense/],
      [linear, (o, l) => nllLoss(tf.logSoftmax(o), l), new SGD(linear, { lr: 0.1 }), [28, 28, 1], /loss is not one of/],
      [createLinear({ seed: 1 }), crossEntropy, tf.train.adam(0.01), [28, 28, 1], /optimizer is not the library SGD/],
    ];
    for (const [model, loss, optimizer, imageShape, reason] of cases) {
      const losses: number[] = [];
      const setup: Setup = { model, loss, optimizer: optimizer as SGD, imageShape };
      await fit(model, batchesFor(setup), { loss, optimizer, epochs: 1, callbacks: { onBatchEnd: (e) => void losses.push(e.loss) } });
      expect(graphStepStatus(model)).toMatch(reason);
      expect(losses.every(Number.isFinite)).toBe(true);
      optimizer.dispose();
      model.dispose();
    }
  });

  it('trains mseLoss on one-hot rows eagerly', async () => {
    const result = await train(SETUPS['the linear model with mseLoss on one-hot targets'] as () => Setup, true);
    expect(result.status).toMatch(/loss is not one of crossEntropy, nllLoss/);
    expect(result.leaked).toBe(0);
  });
});
