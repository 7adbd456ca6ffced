// fit's graph step on native TensorFlow trains every course model exactly as its eager step does, and falls back cleanly.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { GRAPH_STEP as GRAPH, graphStepStatus, graphTrainStep } from '../../src/graph/index.js';
import { ONEDNN_ENV } from '../../src/graph/onednn.js';
import { createLinear } from '../../src/models/index.js';
import { SGD, crossEntropy, fit, type LossFn } from '../../src/train/index.js';
import { IN_NATIVE_LANE, maxRelative } from '../native/fixtures.js';
import { SETUPS, TOLERANCE, batchesFor, train, type Setup } from './fixtures.js';

describe.skipIf(!IN_NATIVE_LANE)('fit with graph steps on native TensorFlow', () => {
  beforeAll(async () => {
    await initBackend({ log: () => {} });
  });

  for (const [name, make] of Object.entries(SETUPS)) {
    it(`trains ${name} with the eager step's losses, accuracy, weights and momentum buffers, leaking no tensors`, async () => {
      const eager = await train(make, false);
      const graph = await train(make, true);
      expect(graph.status).toBe(GRAPH);
      expect(eager.status).toBeUndefined();
      expect(graph.losses).toHaveLength(6);
      expect(maxRelative(graph.losses, eager.losses)).toBeLessThan(graph.tolerance);
      expect(graph.history.trainAccuracy).toEqual(eager.history.trainAccuracy);
      expect(maxRelative(graph.history.trainLoss, eager.history.trainLoss)).toBeLessThan(graph.tolerance);
      // Every weight, BatchNorm's moving statistics included, and each momentum buffer.
      graph.weights.forEach((w, i) => expect(maxRelative(w, eager.weights[i] as Float32Array)).toBeLessThan(graph.tolerance));
      graph.buffers.forEach((b, i) => {
        const expected = eager.buffers[i];
        if (expected === undefined) expect(b).toBeUndefined();
        else expect(maxRelative(b as Float32Array, expected)).toBeLessThan(graph.tolerance);
      });
      expect(graph.iterations).toBe(eager.iterations);
      expect(graph.leaked).toBe(0);
      expect(eager.leaked).toBe(0);
    });
  }

  it("trains the CNN with TensorFlow's own convolution kernels as well (MNIST_COURSE_ONEDNN=0)", async () => {
    const make = SETUPS['the CNN with momentum'] as () => Setup;
    const eager = await train(make, false);
    process.env[ONEDNN_ENV] = '0';
    const graph = await train(make, true).finally(() => delete process.env[ONEDNN_ENV]);
    expect(graph.status).toBe(GRAPH);
    expect(maxRelative(graph.losses, eager.losses)).toBeLessThan(TOLERANCE);
    graph.weights.forEach((w, i) => expect(maxRelative(w, eager.weights[i] as Float32Array)).toBeLessThan(TOLERANCE));
  });

  it('hands the weights and momentum on between graph and eager epochs', async () => {
    const make = SETUPS['the MLP with nllLoss and momentum'] as () => Setup;
    const eager = await train(make, false, 2);
    const setup = make();
    const loader = batchesFor(setup);
    const common = { loss: setup.loss, optimizer: setup.optimizer, epochs: 1 };
    await fit(setup.model, loader, { ...common, graph: true });
    await fit(setup.model, loader, { ...common, graph: false });
    const weights = setup.model.weights.map((w) => w.read().dataSync() as Float32Array);
    weights.forEach((w, i) => expect(maxRelative(w, eager.weights[i] as Float32Array)).toBeLessThan(TOLERANCE));
    setup.optimizer.dispose();
    setup.model.dispose();
  });

  it('trains eagerly, and says why, where the graph step does not cover the setup', async () => {
    const linear = createLinear({ seed: 1 });
    const dropout = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dropout({ rate: 0.1 }), tf.layers.dense({ units: 10 })] });
    const cases: [tf.LayersModel, LossFn, tf.Optimizer, RegExp][] = [
      [dropout, crossEntropy, new SGD(dropout, { lr: 0.1 }), /Dropout layer .*no graph lowering/],
      [linear, (o, l) => crossEntropy(o, l), new SGD(linear, { lr: 0.1 }), /loss is not one of/],
      [createLinear({ seed: 1 }), crossEntropy, tf.train.adam(0.01), /optimizer is not the library SGD/],
    ];
    for (const [model, loss, optimizer, reason] of cases) {
      const losses: number[] = [];
      const setup: Setup = { model, loss, optimizer: optimizer as SGD, imageShape: [28, 28, 1] };
      await fit(model, batchesFor(setup), { loss, optimizer, epochs: 2, callbacks: { onBatchEnd: (e) => void losses.push(e.loss) } });
      expect(graphStepStatus(model)).toMatch(reason);
      expect(losses).toHaveLength(6);
      expect(losses.every(Number.isFinite)).toBe(true);
      optimizer.dispose();
      model.dispose();
    }
  });

  it('compiles once per model and setup, and again when the optimizer changes', async () => {
    const model = createLinear({ seed: 2 });
    const labels = tf.tensor1d([1, 2], 'int32');
    const first = new SGD(model, { lr: 0.1 });
    const step = graphTrainStep(model, { loss: crossEntropy, optimizer: first }, labels);
    expect(step).toBeDefined();
    expect(graphTrainStep(model, { loss: crossEntropy, optimizer: first }, labels)).toBe(step);
    const second = new SGD(model, { lr: 0.1 });
    expect(graphTrainStep(model, { loss: crossEntropy, optimizer: second }, labels)).not.toBe(step);
    labels.dispose();
    model.dispose();
  });
});

describe.skipIf(IN_NATIVE_LANE)('fit on the cpu backend', () => {
  it('keeps the eager step and says which backends have compiled steps', async () => {
    await initBackend({ backend: 'cpu', log: () => {} });
    const model = createLinear({ seed: 1 });
    const labels = tf.tensor1d([1, 2], 'int32');
    expect(graphTrainStep(model, { loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }) }, labels)).toBeUndefined();
    expect(graphStepStatus(model)).toMatch(/need native TensorFlow \(one graph a step\) or wasm \(Dense chains\), not 'cpu'/);
    labels.dispose();
    model.dispose();
  });
});
