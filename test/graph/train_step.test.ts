// fit's graph step on native TensorFlow trains every course model exactly as its eager step does, and falls back cleanly.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { GRAPH_STEP as GRAPH, graphStepStatus, graphTrainStep } from '../../src/graph/index.js';
import { ONEDNN_ENV } from '../../src/graph/onednn.js';
import { createCnn, createHidden, createLinear, createMlp, createResNet } from '../../src/models/index.js';
import { createGenerator } from '../../src/random/index.js';
import { OneCycleLR, SGD, crossEntropy, fit, mseLoss, nllLoss, type BatchSource, type History, type LossFn } from '../../src/train/index.js';
import { IN_NATIVE_LANE, maxRelative } from '../native/fixtures.js';

/** Graph and eager steps differ by float32 roundings of other op orders (TF's fused kernels): relative to the largest value. */
const TOLERANCE = 2e-5;

interface Setup {
  model: tf.LayersModel;
  loss: LossFn;
  optimizer: SGD;
  scheduler?: OneCycleLR;
  imageShape: number[];
  oneHot?: boolean;
  /** Wider than TOLERANCE where oneDNN's convolutions and batch norm (another summation order) feed six steps of BatchNorm. */
  tolerance?: number;
}

const SETUPS: Record<string, () => Setup> = {
  'the linear model with crossEntropy and plain SGD': () => {
    const model = createLinear({ seed: 1 });
    return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), imageShape: [28, 28, 1] };
  },
  'the hidden-layer model': () => {
    const model = createHidden({ seed: 1 });
    return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), imageShape: [28, 28, 1] };
  },
  'the MLP with nllLoss and momentum': () => {
    const model = createMlp({ seed: 1 });
    return { model, loss: nllLoss, optimizer: new SGD(model, { lr: 0.05, momentum: 0.9 }), imageShape: [784] };
  },
  'the CNN with momentum': () => {
    const model = createCnn({ seed: 1 });
    return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1, momentum: 0.9 }), imageShape: [784] };
  },
  'the ResNet with BatchNorm, weight decay and OneCycleLR': () => {
    const model = createResNet({ seed: 1 });
    const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
    return { model, loss: crossEntropy, optimizer, scheduler: new OneCycleLR(optimizer, { maxLr: 0.2, totalSteps: 6 }), imageShape: [28, 28, 1], tolerance: 1e-4 };
  },
  'the linear model with mseLoss on one-hot targets': () => {
    const model = createLinear({ seed: 1 });
    return { model, loss: mseLoss, optimizer: new SGD(model, { lr: 0.5 }), imageShape: [28, 28, 1], oneHot: true };
  },
};

/** Three batches of seeded pixels and labels (16, 16, then 7: a short last batch, as epochs end). */
function batchesFor(setup: Setup): BatchSource {
  const rng = createGenerator(5);
  const batches = [16, 16, 7].map((size) => {
    const pixels = Float32Array.from({ length: size * 784 }, () => rng.next());
    const classes = Int32Array.from({ length: size }, () => rng.int(10));
    return { pixels, classes, size };
  });
  return {
    length: batches.length,
    *[Symbol.iterator]() {
      for (const { pixels, classes, size } of batches) {
        const labels = tf.tensor1d(classes, 'int32');
        yield { images: tf.tensor(pixels, [size, ...setup.imageShape]), labels: setup.oneHot ? tf.tidy(() => tf.oneHot(labels, 10).toFloat()) : labels };
        if (setup.oneHot) labels.dispose();
      }
    },
  };
}

interface Trained {
  losses: number[];
  history: History;
  weights: Float32Array[];
  buffers: (Float32Array | undefined)[];
  iterations: number;
  status: string | undefined;
  leaked: number;
}

async function train(make: () => Setup, graph: boolean, epochs = 2): Promise<Trained & { tolerance: number }> {
  const setup = make();
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  const history = await fit(setup.model, batchesFor(setup), {
    loss: setup.loss, optimizer: setup.optimizer, epochs, graph, ...(setup.scheduler ? { scheduler: setup.scheduler } : {}),
    callbacks: { onBatchEnd: (event) => void losses.push(event.loss) },
  });
  const weights = setup.model.weights.map((w) => w.read().dataSync() as Float32Array);
  const buffers = setup.model.trainableWeights.map((w) => setup.optimizer.momentumBuffer(w.read() as tf.Variable)?.dataSync() as Float32Array | undefined);
  const ownTensors = buffers.filter((b) => b !== undefined).length; // the momentum buffers are new; the weights were there
  const result = { tolerance: setup.tolerance ?? TOLERANCE, losses, history, weights, buffers, iterations: setup.optimizer.iterations, status: graphStepStatus(setup.model), leaked: tf.memory().numTensors - before - ownTensors };
  setup.optimizer.dispose();
  setup.model.dispose();
  return result;
}

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

describe.skipIf(IN_NATIVE_LANE)('fit on the other backends', () => {
  it('keeps the eager step and says graph steps need native TensorFlow', async () => {
    await initBackend({ log: () => {} });
    const model = createLinear({ seed: 1 });
    const labels = tf.tensor1d([1, 2], 'int32');
    expect(graphTrainStep(model, { loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }) }, labels)).toBeUndefined();
    expect(graphStepStatus(model)).toMatch(/need native TensorFlow, not '(wasm|cpu)'/);
    labels.dispose();
    model.dispose();
  });
});
