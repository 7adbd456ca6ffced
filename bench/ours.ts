// Our side of `npm run bench`: each tutorial end to end with the course library, as the notebooks run it, timed by phase.
import * as tf from '@tensorflow/tfjs';
import {
  DataLoader, TensorDataset, compose, loadMnist, loadOpenMlMnist, normalize, toTensor, type Batch, type ImageDataset,
} from '../src/data/index.js';
import { createCnn, createHidden, createLinear, createMlp, createResNet } from '../src/models/index.js';
import { setSeed } from '../src/random/index.js';
import { sgdTrain } from '../src/sgd/index.js';
import { OneCycleLR, SGD, crossEntropy, evaluate, fit, nllLoss, type BatchSource, type LossFn } from '../src/train/index.js';
import { TUTORIAL_SPECS, type BenchModel, type RunSize } from './specs.js';

/** Accuracy after one evaluation, `atS` seconds after the run started (data loading included). */
export interface EvalPoint {
  atS: number;
  accuracy: number;
  epoch?: number;
  iteration?: number;
}

/** One end-to-end run's timings; the same fields as bench/pytorch_tutorial_loops.py reports. */
export interface E2eTimings {
  model: BenchModel;
  epochs: number;
  batchSize: number;
  trainedSamples: number;
  evaluatedSamples: number;
  loadS: number;
  /** Training, batches made by the DataLoader included (for sgd: the loop, its test accuracy every iteration included). */
  trainS: number;
  evalS: number;
  totalS: number;
  evals: EvalPoint[];
  accuracy: number | null;
  /** Seconds from the start until the accuracy first reached the target; null if it did not. */
  timeToTargetS: number | null;
}

/** Phase times and the accuracy timeline of one run. */
class Timeline {
  readonly start = performance.now();
  readonly seconds = { load: 0, train: 0, eval: 0 };
  readonly evals: EvalPoint[] = [];
  trained = 0;
  evaluated = 0;
  timeToTargetS: number | null = null;

  constructor(readonly target: number | undefined) {}

  async phase<T>(name: keyof Timeline['seconds'], run: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.seconds[name] += (performance.now() - started) / 1000;
    }
  }

  /** Records an evaluation; kept in the timeline when `keep`, or when it is the first to reach the target. */
  record(accuracy: number, where: { epoch?: number; iteration?: number }, keep = true): void {
    const atS = (performance.now() - this.start) / 1000;
    if (this.timeToTargetS === null && this.target !== undefined && accuracy >= this.target) {
      this.timeToTargetS = atS;
      keep = true;
    }
    if (keep) this.evals.push({ atS, accuracy, ...where });
  }
}

/** Where the data comes from, how much, and what to aim for. */
export interface E2eOptions extends RunSize {
  /** Holds MNIST/raw/*-ubyte (the layout torchvision uses too). */
  dataRoot: string;
  target?: number;
}

const quiet = (): void => {};
const limit = (dataset: ImageDataset, count: number): ImageDataset => (count > 0 ? dataset.slice(0, count) : dataset);

/** What one epoch-based tutorial trains with, once its data is loaded. */
interface EpochSetup {
  model: tf.LayersModel;
  loss: LossFn;
  optimizer: SGD;
  scheduler?: OneCycleLR;
  trainLoader: BatchSource;
  testLoader: BatchSource;
  /** The notebook's reportEvery: how often fit reads the loss back. */
  reportEvery: number;
}

/** Trains epoch by epoch with fit, evaluating after each one. */
async function trainEpochs(timeline: Timeline, setup: EpochSetup, epochs: number): Promise<void> {
  const { model, loss, optimizer, scheduler, trainLoader, testLoader, reportEvery } = setup;
  // A callback, as the notebooks' progress displays, so fit reads the loss back every reportEvery batches.
  const callbacks = { onBatchEnd: quiet };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const history = await timeline.phase('train', () =>
      fit(model, trainLoader, { loss, optimizer, epochs: 1, callbacks, reportEvery, ...(scheduler ? { scheduler } : {}) }));
    timeline.trained += history.epochs[0]?.examples ?? 0;
    const result = await timeline.phase('eval', () => evaluate(model, testLoader, { loss }));
    timeline.evaluated += result.examples;
    timeline.record(result.accuracy, { epoch: epoch + 1 });
  }
  optimizer.dispose();
  model.dispose();
}

/** Seeds 000 (linear, hidden), 002 (mlp) and 003 (resnet): torchvision-style MNIST with a DataLoader. */
async function mnistTutorial(timeline: Timeline, name: 'linear' | 'hidden' | 'mlp' | 'resnet', options: E2eOptions): Promise<void> {
  const transform = name === 'mlp' ? compose([toTensor(), normalize([0.5], [0.5])])
    : name === 'resnet' ? compose([toTensor(), normalize(0, 1)]) : toTensor();
  const { batchSize } = TUTORIAL_SPECS[name];
  const loaders = await timeline.phase('load', async () => {
    const train = limit(await loadMnist({ root: options.dataRoot, train: true, transform, download: false, log: quiet }), options.trainLimit);
    const test = limit(await loadMnist({ root: options.dataRoot, train: false, transform, download: false, log: quiet }), options.testLimit);
    const flatten = name === 'mlp';
    const dropLast = name === 'resnet';
    return {
      train: new DataLoader(train, { batchSize, shuffle: true, flatten, dropLast }),
      // Seeds 002 and 003 shuffle their validation loaders too; seed 000 does not.
      test: new DataLoader(test, { batchSize, shuffle: name !== 'linear' && name !== 'hidden', flatten, dropLast }),
    };
  });
  setSeed(0);
  const common = { trainLoader: loaders.train, testLoader: loaders.test, reportEvery: 1 };
  if (name === 'mlp') {
    const model = createMlp();
    await trainEpochs(timeline, { ...common, model, loss: nllLoss, optimizer: new SGD(model, { lr: 0.003, momentum: 0.9 }) }, options.epochs);
  } else if (name === 'resnet') {
    const model = createResNet();
    const optimizer = new SGD(model, { lr: 0.5, momentum: 0.9 });
    // The schedule spans the tutorial's epochs even when the bench runs fewer: the same first steps.
    const epochs = Math.max(TUTORIAL_SPECS.resnet.tutorialEpochs, options.epochs);
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, epochs, stepsPerEpoch: loaders.train.length });
    await trainEpochs(timeline, { ...common, model, loss: crossEntropy, optimizer, scheduler }, options.epochs);
  } else {
    const model = name === 'linear' ? createLinear() : createHidden();
    await trainEpochs(timeline, { ...common, model, loss: crossEntropy, optimizer: new SGD(model, { lr: 1e-2 }) }, options.epochs);
  }
}

/** Seed 001: the OpenML view (70,000 x 784 / 256, split 50,000 / 20,000), TensorDataset, batch 64, valid batch 128. */
async function openMlTutorial(timeline: Timeline, options: E2eOptions): Promise<void> {
  const loaders = await timeline.phase('load', async () => {
    const { xTrain, yTrain, xValid, yValid } = await loadOpenMlMnist({ root: options.dataRoot, download: false, log: quiet });
    const trainRows = options.trainLimit > 0 ? Math.min(options.trainLimit, xTrain.rows) : xTrain.rows;
    const validRows = options.testLimit > 0 ? Math.min(options.testLimit, xValid.rows) : xValid.rows;
    const trainDs = new TensorDataset(xTrain.slice(0, trainRows), yTrain.subarray(0, trainRows));
    const validDs = new TensorDataset(xValid.slice(0, validRows), yValid.subarray(0, validRows));
    return { train: new DataLoader(trainDs, { batchSize: 64, shuffle: true }), test: new DataLoader(validDs, { batchSize: 128 }) };
  });
  setSeed(0);
  const model = createCnn();
  const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9 });
  // Notebook 04 reads the loss back every 20 batches.
  await trainEpochs(timeline, { model, loss: crossEntropy, optimizer, trainLoader: loaders.train, testLoader: loaders.test, reportEvery: 20 }, options.epochs);
}

/** Seed 004: the whole split as one batch (one-hot targets), then sgdTrain with the test accuracy every iteration. */
async function leastSquaresTutorial(timeline: Timeline, options: E2eOptions): Promise<void> {
  const data = await timeline.phase('load', async () => {
    const train = limit(await loadMnist({ root: options.dataRoot, train: true, transform: toTensor(), download: false, log: quiet }), options.trainLimit);
    const test = limit(await loadMnist({ root: options.dataRoot, train: false, transform: toTensor(), download: false, log: quiet }), options.testLimit);
    const first = (loader: DataLoader): Batch => loader[Symbol.iterator]().next().value as Batch;
    return {
      train: first(new DataLoader(train, { batchSize: train.length, flatten: true, oneHot: true })),
      test: first(new DataLoader(test, { batchSize: test.length, flatten: true })),
    };
  });
  const { batchSize, tutorialEpochs } = TUTORIAL_SPECS.sgd;
  const testRows = data.test.images.shape[0] as number;
  const reportEvery = Math.max(1, Math.floor(options.epochs / (tutorialEpochs / 1000))); // the tutorial prints every 1,000 of 6,000
  const result = await timeline.phase('train', () => sgdTrain({
    xTrain: data.train.images as tf.Tensor2D, yTrain: data.train.labels as tf.Tensor2D,
    xTest: data.test.images as tf.Tensor2D, yTest: data.test.labels as tf.Tensor1D,
    iterations: options.epochs, batchSize, learningRate: 0.001, seed: 0,
    onIteration: ({ iteration, accuracy }) => {
      timeline.trained += batchSize;
      timeline.evaluated += testRows;
      timeline.record(accuracy ?? NaN, { iteration: iteration + 1 }, (iteration + 1) % reportEvery === 0);
    },
  }));
  tf.dispose([result.weight, data.train.images, data.train.labels, data.test.images, data.test.labels]);
}

/** Runs tutorial `name` on the active backend. */
export async function runOurTutorial(name: BenchModel, options: E2eOptions): Promise<E2eTimings> {
  const timeline = new Timeline(options.target);
  if (name === 'cnn') await openMlTutorial(timeline, options);
  else if (name === 'sgd') await leastSquaresTutorial(timeline, options);
  else await mnistTutorial(timeline, name, options);
  const last = timeline.evals[timeline.evals.length - 1];
  return {
    model: name, epochs: options.epochs, batchSize: TUTORIAL_SPECS[name].batchSize,
    trainedSamples: timeline.trained, evaluatedSamples: timeline.evaluated,
    loadS: timeline.seconds.load, trainS: timeline.seconds.train, evalS: timeline.seconds.eval,
    totalS: (performance.now() - timeline.start) / 1000,
    evals: timeline.evals, accuracy: last?.accuracy ?? null, timeToTargetS: timeline.timeToTargetS,
  };
}
