// Where an epoch's training steps run (eager ops, or one compiled graph per step) and how their totals add up.
import * as tf from '@tensorflow/tfjs';
import { denseStackOf } from '../backend/dense_stack.js';
import { graphTrainStep, type CompiledTrainStep, type EpochSums } from '../graph/index.js';
import { countCorrect } from './batches.js';
import { TrainingConfigError } from './errors.js';
import type { FitOptions } from './fit.js';

/** An epoch's steps: one optimizer step per batch, the batch losses and correct counts summed as they go. */
export interface EpochSteps {
  /** One optimizer step in training mode on a batch; returns its loss (the caller disposes it). */
  step(images: tf.Tensor, labels: tf.Tensor): tf.Scalar;
  /** The epoch's sums, read back once; frees what the steps held (a graph step hands the weights back to the model). */
  finish(): EpochSums;
}

/**
 * One optimizer step in training mode; returns the batch loss and correct count (caller disposes). Chains of Dense,
 * ReLU, Flatten and log-softmax layers (the linear, hidden-layer and MLP models) run their forward as fused ops
 * (src/backend/dense_stack.ts: same outputs, fewer kernels, no gradient for the images); others through model.apply.
 */
function eagerStep(model: tf.LayersModel, images: tf.Tensor, labels: tf.Tensor, options: FitOptions, params: tf.Variable[]) {
  const stack = denseStackOf(model);
  return tf.tidy(() => {
    let correct: tf.Scalar | undefined;
    const loss = options.optimizer.minimize(
      () => {
        // training: true makes BatchNorm normalize with batch statistics and update its running averages.
        const outputs = stack?.forward(images) ?? (model.apply(images, { training: true }) as tf.Tensor);
        correct = tf.keep(countCorrect(outputs, labels));
        return options.loss(outputs, labels);
      },
      true,
      params,
    ) as tf.Scalar;
    return { loss, correct: correct as tf.Scalar };
  });
}

/** Eager steps, with the epoch's sums kept on the device: read back once, at the end, for every backend. */
function eagerSteps(model: tf.LayersModel, options: FitOptions, params: tf.Variable[]): EpochSteps {
  let lossSum: tf.Scalar | undefined;
  let correctSum: tf.Scalar | undefined;
  return {
    step(images, labels) {
      const { loss, correct } = eagerStep(model, images, labels, options, params);
      const [previousLoss, previousCorrect] = [lossSum, correctSum];
      lossSum = (previousLoss === undefined ? tf.clone(loss) : tf.add(previousLoss, loss)) as tf.Scalar;
      correctSum = (previousCorrect === undefined ? correct : tf.add(previousCorrect, correct)) as tf.Scalar;
      tf.dispose([previousLoss, previousCorrect, ...(previousCorrect === undefined ? [] : [correct])]);
      return loss;
    },
    finish() {
      const read = (t: tf.Scalar | undefined): number => (t === undefined ? 0 : (t.dataSync()[0] as number));
      const sums = { lossSum: read(lossSum), correct: read(correctSum) };
      tf.dispose([lossSum, correctSum]);
      return sums;
    },
  };
}

/** The compiled step (src/graph) with the model's weights loaded, or undefined where fit trains eagerly (graph: false, not covered). */
function compiledStep(model: tf.LayersModel, options: FitOptions, labels: tf.Tensor): CompiledTrainStep | undefined {
  if (options.graph === false) return undefined;
  let step: CompiledTrainStep | undefined;
  try {
    step = graphTrainStep(model, options, labels);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
    throw new TrainingConfigError(`Compiling the training step (src/graph) failed: ${why}. Pass graph: false to fit to train op by op.`);
  }
  step?.load();
  return step;
}

/**
 * The steps of one epoch of `model`, for batches labelled like `labels`: compiled where src/graph covers the setup
 * (one TensorFlow graph per step on native TensorFlow, one pass of our kernels on wasm; the sums add up there), else eager ops.
 */
export function startEpoch(model: tf.LayersModel, options: FitOptions, params: tf.Variable[], labels: tf.Tensor): EpochSteps {
  const compiled = compiledStep(model, options, labels);
  if (compiled === undefined) return eagerSteps(model, options, params);
  return { step: (images, batchLabels) => compiled.step(images, batchLabels), finish: () => compiled.save() };
}
