// The training loop: epochs of optimizer steps over a loader, optional validation, reported through callbacks.
import * as tf from '@tensorflow/tfjs';
import { parameters } from '../models/index.js';
import { checkBatchFits, disposeBatch, type BatchSource } from './batches.js';
import { TrainingConfigError } from './errors.js';
import { evaluate } from './evaluate.js';
import type { LossFn } from './losses.js';
import { startEpoch, type EpochSteps } from './steps.js';

/** Reported after a batch (every `reportEvery` batches). */
export interface BatchEvent {
  epoch: number;
  /** Index of the batch within the epoch. */
  batch: number;
  /** Batches per epoch, when the loader knows its length. */
  batches?: number;
  /** This batch's loss, like the tutorials' `loss.item()`. */
  loss: number;
  /** Learning rate used for this batch. */
  lr: number;
}

/** One epoch's numbers. */
export interface EpochRecord {
  epoch: number;
  /** Mean of the batch losses: the tutorials' `loss_per_epoch / len(train_loader)`. */
  trainLoss: number;
  /** Loss of the epoch's last batch, what seed 000 prints. */
  lastBatchLoss: number;
  /** Correct / examples over the epoch's training batches, measured in training mode as they were seen. */
  trainAccuracy: number;
  validLoss?: number;
  validAccuracy?: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
  batches: number;
  examples: number;
}

/** Per-epoch records, plus the same numbers as arrays for plotting. */
export interface History {
  epochs: EpochRecord[];
  trainLoss: number[];
  trainAccuracy: number[];
  validLoss: number[];
  validAccuracy: number[];
  seconds: number[];
}

type MaybePromise = void | Promise<void>;

/** Hooks fit calls; all optional, awaited when they return a promise. fit never prints or plots by itself. */
export interface FitCallbacks {
  onTrainBegin?(info: { epochs: number; batchesPerEpoch?: number }): MaybePromise;
  onEpochBegin?(epoch: number): MaybePromise;
  onBatchEnd?(event: BatchEvent): MaybePromise;
  onEpochEnd?(record: EpochRecord): MaybePromise;
  onTrainEnd?(history: History): MaybePromise;
}

/** A scheduler stepped once per batch, such as OneCycleLR. */
export interface BatchScheduler {
  step(): void;
}

/** Options of `fit`. */
export interface FitOptions {
  loss: LossFn;
  /** Our `SGD` or any tf.Optimizer; it updates the model's trainable weights. */
  optimizer: tf.Optimizer;
  epochs: number;
  /** Stepped after every optimizer step, as in the ResNet tutorial. */
  scheduler?: BatchScheduler;
  validLoader?: BatchSource;
  callbacks?: FitCallbacks | FitCallbacks[];
  /**
   * Read the batch loss back and call onBatchEnd every this many batches (and on each epoch's last batch).
   * Default 1, as the tutorials' per-step `loss.item()`; raise it where reading back is costly (GPU backends).
   * Epoch means are accumulated on the device either way.
   */
  reportEvery?: number;
  /**
   * Run each training step compiled where src/graph covers the model, loss and optimizer. On native TensorFlow: one
   * TensorFlow graph (forward, loss, backward and SGD update in one session run instead of ~100 eager ops), for the
   * course's models with crossEntropy, nllLoss or mseLoss and our SGD. On wasm: chains of Dense layers (the linear,
   * hidden-layer and MLP models) with crossEntropy or nllLoss and our SGD, as one pass of the same kernels without
   * the engine's bookkeeping (the same values). Default true; false trains op by op. During an epoch the weights
   * live in the compiled step; the model has them after each epoch.
   */
  graph?: boolean;
}

/** The optimizer's current learning rate, for reports. */
function currentLr(optimizer: tf.Optimizer): number {
  const o = optimizer as unknown as { lr?: unknown; learningRate?: unknown };
  return typeof o.lr === 'number' ? o.lr : typeof o.learningRate === 'number' ? o.learningRate : NaN;
}

async function emit<K extends keyof FitCallbacks>(callbacks: FitCallbacks[], name: K, ...args: Parameters<NonNullable<FitCallbacks[K]>>): Promise<void> {
  for (const callback of callbacks) {
    const hook = callback[name] as ((...a: unknown[]) => MaybePromise) | undefined;
    if (hook) await hook.apply(callback, args);
  }
}

interface EpochContext {
  model: tf.LayersModel;
  options: FitOptions;
  params: tf.Variable[];
  callbacks: FitCallbacks[];
  reportEvery: number;
}

type TrainTotals = Pick<EpochRecord, 'trainLoss' | 'lastBatchLoss' | 'trainAccuracy' | 'batches' | 'examples'>;

/** How often a training loop lets Node's event loop run (a setImmediate turn costs microseconds). */
export const YIELD_EVERY_MS = 50;

/**
 * Lets the event loop run if `YIELD_EVERY_MS` passed since `last`; returns the time of the last turn.
 * Why: a training loop that never yields holds back everything else in the process. In the tslab kernel that
 * means the progress display is not sent until the cell ends (and zeromq.js refuses sends after ~500 queued),
 * file-watch events and timers pile up; in a script, Ctrl-C handlers and servers stall.
 */
async function yieldToEventLoop(last: number): Promise<number> {
  if (performance.now() - last < YIELD_EVERY_MS) return last;
  await new Promise((resolve) => setImmediate(resolve));
  return performance.now();
}

/** One pass over the loader: steps, scheduler steps, batch reports; the epoch's totals are summed where the steps run. */
async function trainEpoch(context: EpochContext, loader: BatchSource, epoch: number): Promise<TrainTotals> {
  const { model, options, params, callbacks, reportEvery } = context;
  const batches = loader.length;
  let steps: EpochSteps | undefined;
  let last: tf.Scalar | undefined;
  let batch = 0;
  let examples = 0;
  let lastYield = performance.now();
  try {
    for await (const { images, labels } of loader) {
      const lr = currentLr(options.optimizer);
      try {
        if (steps === undefined) {
          checkBatchFits(model, images);
          steps = startEpoch(model, options, params, labels);
        }
        const loss = steps.step(images, labels);
        tf.dispose(last);
        last = loss;
        examples += images.shape[0] as number;
      } finally {
        disposeBatch({ images, labels });
      }
      options.scheduler?.step();
      const isLast = batches !== undefined && batch === batches - 1;
      if (callbacks.length > 0 && ((batch + 1) % reportEvery === 0 || isLast)) {
        const loss = last.dataSync()[0] as number;
        await emit(callbacks, 'onBatchEnd', { epoch, batch, ...(batches !== undefined ? { batches } : {}), loss, lr });
      }
      lastYield = await yieldToEventLoop(lastYield);
      batch++;
    }
    const sums = steps?.finish();
    steps = undefined;
    const lastBatchLoss = last === undefined ? NaN : (last.dataSync()[0] as number);
    return { trainLoss: (sums?.lossSum ?? NaN) / batch, lastBatchLoss, trainAccuracy: (sums?.correct ?? NaN) / examples, batches: batch, examples };
  } finally {
    steps?.finish(); // after an error: frees the steps' tensors, and the model gets the weights trained so far
    tf.dispose(last);
  }
}

function addRecord(history: History, record: EpochRecord): void {
  history.epochs.push(record);
  history.trainLoss.push(record.trainLoss);
  history.trainAccuracy.push(record.trainAccuracy);
  if (record.validLoss !== undefined) history.validLoss.push(record.validLoss);
  if (record.validAccuracy !== undefined) history.validAccuracy.push(record.validAccuracy);
  history.seconds.push(record.seconds);
}

/**
 * Trains `model` for `options.epochs` passes over `trainLoader` and returns the History.
 * Each batch: forward in training mode, loss, gradients of the trainable weights, optimizer step, scheduler
 * step; the batch is disposed. After each epoch, evaluates on `validLoader` in inference mode if given.
 * @example
 * const history = await fit(model, trainLoader, { loss: nllLoss, optimizer: new SGD(model, { lr: 0.003, momentum: 0.9 }),
 *   epochs: 5, callbacks: [logEpochs()] });
 */
export async function fit(model: tf.LayersModel, trainLoader: BatchSource, options: FitOptions): Promise<History> {
  const { epochs } = options;
  const reportEvery = options.reportEvery ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new TrainingConfigError(`fit expects epochs to be a whole number >= 0, got ${epochs}.`);
  if (!Number.isInteger(reportEvery) || reportEvery < 1) throw new TrainingConfigError(`fit expects reportEvery to be a whole number >= 1, got ${reportEvery}.`);
  const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks];
  const context: EpochContext = { model, options, params: parameters(model), callbacks, reportEvery };
  const history: History = { epochs: [], trainLoss: [], trainAccuracy: [], validLoss: [], validAccuracy: [], seconds: [] };
  const batches = trainLoader.length;
  await emit(callbacks, 'onTrainBegin', { epochs, ...(batches !== undefined ? { batchesPerEpoch: batches } : {}) });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    await emit(callbacks, 'onEpochBegin', epoch);
    const record: EpochRecord = { epoch, ...(await trainEpoch(context, trainLoader, epoch)), seconds: 0 };
    if (options.validLoader) {
      const valid = await evaluate(model, options.validLoader, { loss: options.loss });
      record.validLoss = valid.loss as number;
      record.validAccuracy = valid.accuracy;
    }
    record.seconds = (performance.now() - start) / 1000;
    addRecord(history, record);
    await emit(callbacks, 'onEpochEnd', record);
  }
  await emit(callbacks, 'onTrainEnd', history);
  return history;
}
