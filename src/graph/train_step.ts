// fit's training step run as one TensorFlow graph on native TensorFlow: compiled once, the weights in its session per epoch.
import * as tf from '@tensorflow/tfjs';
import { parameters } from '../models/index.js';
import type { LossFn } from '../train/losses.js';
import { SGD } from '../train/sgd.js';
import { UnsupportedLayerError } from './layers.js';
import { oneDnnKernels } from './onednn.js';
import { GraphSession, savedModelBackend } from './session.js';
import { buildTrainGraph, FEED, LOSSES, UnsupportedStepError, type LabelKind, type TrainGraph } from './train_graph.js';

export { UnsupportedStepError } from './train_graph.js';

/** What an epoch's steps add up to: Σ of the batch losses (float32, as the device sums them) and correct predictions. */
export interface EpochSums {
  lossSum: number;
  correct: number;
}

/** A training step compiled into a graph session, with the weights held in the session between `load` and `save`. */
export interface CompiledTrainStep {
  /** Copies the model's weights (and the optimizer's momentum buffers) into the session and zeroes the epoch sums. */
  load(): void;
  /** One step on a batch; returns the batch loss (the caller disposes) and adds it and the correct count to the sums. */
  step(images: tf.Tensor, labels: tf.Tensor): tf.Scalar;
  /** Copies the weights, BatchNorm statistics and momentum buffers back to the model and optimizer; the sums since `load`. */
  save(): EpochSums;
  /** Deletes the session. */
  dispose(): void;
}

/** A float32 scalar fed at every step, uploaded again only when its value changes (lr under OneCycleLR does). */
class ScalarFeed {
  private value = NaN;
  private tensor: tf.Scalar | undefined;

  get(value: number): tf.Scalar {
    if (this.tensor === undefined || value !== this.value) {
      this.tensor?.dispose();
      this.tensor = tf.keep(tf.scalar(value));
      this.value = value;
    }
    return this.tensor;
  }

  dispose(): void {
    this.tensor?.dispose();
    this.tensor = undefined;
  }
}

class GraphTrainStep implements CompiledTrainStep {
  private readonly lr = new ScalarFeed();
  private readonly momentum = new ScalarFeed();
  private stepsSinceLoad = 0;

  constructor(
    private readonly graph: TrainGraph,
    private readonly session: GraphSession,
    private readonly optimizer: SGD,
    private readonly withMomentum: boolean,
  ) {}

  load(): void {
    const feeds: [string, tf.Tensor][] = [];
    const zeros: tf.Tensor[] = [];
    for (const v of this.graph.variables) {
      feeds.push([v.init, v.weight.read()]);
      if (v.buffer === undefined) continue;
      const buffer: tf.Tensor = this.optimizer.momentumBuffer(v.weight.read() as tf.Variable) ?? tf.zeros(v.weight.shape as number[]);
      if (!(buffer instanceof tf.Variable)) zeros.push(buffer);
      feeds.push([v.buffer.init, buffer]);
    }
    tf.dispose(this.session.run(feeds, [this.graph.loaded]));
    tf.dispose(zeros);
    this.stepsSinceLoad = 0;
  }

  step(images: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    const feeds: [string, tf.Tensor][] = [[FEED.images, images], [FEED.labels, labels], [FEED.lr, this.lr.get(this.optimizer.lr)]];
    if (this.withMomentum) feeds.push([FEED.momentum, this.momentum.get(this.optimizer.momentum)]);
    const [loss] = this.session.run(feeds, [this.graph.loss]) as [tf.Scalar];
    this.stepsSinceLoad++;
    return loss;
  }

  save(): EpochSums {
    // The fed scalars go too: between epochs the step holds no tensors of the engine's.
    this.lr.dispose();
    this.momentum.dispose();
    if (this.stepsSinceLoad === 0) return { lossSum: 0, correct: 0 };
    const values = this.session.run([], [...this.graph.reads, ...this.graph.sums]);
    const [lossSum, correct] = values.slice(-2).map((t) => t.dataSync()[0] as number) as [number, number];
    const withBuffers = this.graph.variables.filter((v) => v.buffer !== undefined);
    this.graph.variables.forEach((v, i) => v.weight.write(values[i] as tf.Tensor));
    const buffers = new Map(withBuffers.map((v, i) => [v.weight.read() as tf.Variable, values[this.graph.variables.length + i] as tf.Tensor]));
    this.optimizer.recordSteps(this.stepsSinceLoad, buffers);
    tf.dispose(values);
    this.stepsSinceLoad = 0;
    return { lossSum, correct };
  }

  dispose(): void {
    this.session.dispose();
    this.lr.dispose();
    this.momentum.dispose();
  }
}

/** What fit trains with: the parts a graph step needs to know. */
export interface TrainSetup {
  loss: LossFn;
  optimizer: tf.Optimizer;
}

/**
 * Compiles fit's step for `model` with `setup` into one graph on native TensorFlow, for batches like `labels`
 * (any batch size). Throws UnsupportedStepError (or UnsupportedLayerError) naming what it does not cover: another
 * backend, a loss other than crossEntropy / nllLoss / mseLoss, an optimizer other than our SGD, a layer type or
 * setting it has no lowering for. Every layer call runs in training mode, as model.apply(x, { training: true }).
 */
export function compileTrainStep(model: tf.LayersModel, setup: TrainSetup, labels: tf.Tensor): CompiledTrainStep {
  if (savedModelBackend() === undefined) throw new UnsupportedStepError(`compiled steps need native TensorFlow (one graph a step) or wasm (Dense chains), not '${tf.getBackend()}'`);
  const loss = LOSSES.get(setup.loss);
  if (loss === undefined) throw new UnsupportedStepError('the loss is not one of crossEntropy, nllLoss, mseLoss');
  // Not instanceof: tf.Optimizer's Symbol.hasInstance makes every optimizer an instance of every subclass.
  if (!SGD.prototype.isPrototypeOf(setup.optimizer)) throw new UnsupportedStepError('the optimizer is not the library SGD');
  const labelKind: LabelKind | undefined =
    labels.rank === 1 && labels.dtype === 'int32' ? 'indices' : labels.rank === 2 && labels.dtype === 'float32' ? 'rows' : undefined;
  if (labelKind === undefined) throw new UnsupportedStepError(`labels must be int32 [batch] or float32 [batch, classes], got ${labels.dtype} [${labels.shape}]`);
  if (model.inputs[0]?.dtype !== 'float32') throw new UnsupportedStepError('the model input must be float32');
  const optimizer = setup.optimizer as SGD;
  const momentum = optimizer.momentum !== 0;
  // fit trains every trainable weight of the model (its eager step passes them all to minimize).
  const params = new Set(parameters(model));
  const oneDnn = model.layers.some((layer) => ['Conv2D', 'BatchNormalization'].includes(layer.getClassName())) && oneDnnKernels();
  const graph = buildTrainGraph({ model, loss, labels: labelKind, momentum, weightDecay: optimizer.weightDecay, params, oneDnn });
  return new GraphTrainStep(graph, GraphSession.load(graph.builder.nodes), optimizer, momentum);
}

/** Whether `error` says a setup is not covered (fit falls back to eager steps), as opposed to a real failure. */
export function isUnsupported(error: unknown): error is UnsupportedStepError | UnsupportedLayerError {
  return error instanceof UnsupportedStepError || error instanceof UnsupportedLayerError;
}
