// Shared by the compiled-step tests: the course models' training setups, seeded batches, and a fit that records all.
import * as tf from '@tensorflow/tfjs';
import { graphStepStatus } from '../../src/graph/index.js';
import { createCnn, createHidden, createLinear, createMlp, createResNet } from '../../src/models/index.js';
import { createGenerator } from '../../src/random/index.js';
import { OneCycleLR, SGD, crossEntropy, fit, mseLoss, nllLoss, type BatchSource, type History, type LossFn } from '../../src/train/index.js';

/** Graph and eager steps differ by float32 roundings of other op orders (TF's fused kernels): relative to the largest value. */
export const TOLERANCE = 2e-5;

export interface Setup {
  model: tf.LayersModel;
  loss: LossFn;
  optimizer: SGD;
  scheduler?: OneCycleLR;
  imageShape: number[];
  oneHot?: boolean;
  /** Wider than TOLERANCE where oneDNN's convolutions and batch norm (another summation order) feed six steps of BatchNorm. */
  tolerance?: number;
}

export const SETUPS: Record<string, () => Setup> = {
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
export function batchesFor(setup: Setup): BatchSource {
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

export interface Trained {
  losses: number[];
  history: History;
  weights: Float32Array[];
  buffers: (Float32Array | undefined)[];
  iterations: number;
  status: string | undefined;
  leaked: number;
}

export async function train(make: () => Setup, graph: boolean, epochs = 2): Promise<Trained & { tolerance: number }> {
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
