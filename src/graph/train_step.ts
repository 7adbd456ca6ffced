// fit's training step as one TensorFlow graph on native TensorFlow: forward, loss, backward and SGD in one session run.
import * as tf from '@tensorflow/tfjs';
import { parameters } from '../models/index.js';
import { crossEntropy, mseLoss, nllLoss, type LossFn } from '../train/losses.js';
import { SGD } from '../train/sgd.js';
import { GraphBuilder, type Ref } from './builder.js';
import { UnsupportedLayerError, type LayerContext } from './layers.js';
import { lowerModel } from './model.js';
import { oneDnnKernels } from './onednn.js';
import * as op from './ops.js';
import { GraphSession, savedModelBackend } from './session.js';

/** The losses a graph step computes itself, by the library function fit is given. */
const LOSSES = new Map<LossFn, 'crossEntropy' | 'nllLoss' | 'mseLoss'>([[crossEntropy, 'crossEntropy'], [nllLoss, 'nllLoss'], [mseLoss, 'mseLoss']]);
type LossKind = 'crossEntropy' | 'nllLoss' | 'mseLoss';

/** What a batch's labels are: int32 class indices [batch] or float32 rows [batch, classes] (one-hot or probabilities). */
type LabelKind = 'indices' | 'rows';

/** Placeholder names the step is fed by. */
const FEED = { images: 'images', labels: 'labels', lr: 'lr', momentum: 'momentum' } as const;

/** One graph variable: the model weight (or momentum buffer) it holds, and how it is initialized and read. */
interface GraphVariable {
  weight: tf.LayerVariable;
  /** Placeholder fed with the value at `load`. */
  init: string;
  handle: Ref;
  /** Momentum buffer of a trained weight when the optimizer has momentum. */
  buffer?: { init: string; handle: Ref };
}

/** The graph of one training step, and the names to feed and fetch. */
interface TrainGraph {
  builder: GraphBuilder;
  variables: GraphVariable[];
  /** Runs every initializing assignment, and zeroes the epoch sums. */
  loaded: Ref;
  /** The batch loss, once the step's updates (weights, statistics, sums) are done. */
  loss: Ref;
  /** Values of the variables, then of the buffers, in `variables` order. */
  reads: Ref[];
  /** The epoch's sum of batch losses (float32) and of correct predictions (int32) since `loaded`. */
  sums: [Ref, Ref];
}

/** Thrown for the parts of a training setup a graph step does not cover; fit then trains eagerly. */
export class UnsupportedStepError extends Error {
  override name = 'UnsupportedStepError';
}

/** loss and d loss / d outputs for outputs [batch, classes], as the library's eager losses compute them. */
function lowerLoss(g: GraphBuilder, kind: LossKind, labelKind: LabelKind, outputs: Ref, labels: Ref, classes: number): { loss: Ref; dOutputs: Ref } {
  const batch = op.dimension(g, op.shape(g, outputs), 0);
  const perExample = g.add('Reciprocal', [batch], { T: { type: 'float32' } });
  if (kind === 'crossEntropy') {
    const [losses, backprop] = labelKind === 'indices' ? op.sparseSoftmaxCrossEntropy(g, outputs, labels) : op.softmaxCrossEntropy(g, outputs, labels);
    return { loss: op.reduce(g, 'Mean', losses, [0]), dOutputs: op.mul(g, backprop, perExample) };
  }
  if (kind === 'nllLoss') {
    if (labelKind !== 'indices') throw new UnsupportedStepError('nllLoss takes class indices');
    const negativeTarget = op.oneHot(g, labels, classes, -1);
    return { loss: op.reduce(g, 'Mean', op.reduce(g, 'Sum', op.mul(g, negativeTarget, outputs), [1]), [0]), dOutputs: op.mul(g, negativeTarget, perExample) };
  }
  if (labelKind !== 'rows') throw new UnsupportedStepError('mseLoss takes float targets [batch, classes]');
  // mean over batch·classes values of (p - t)², so d/dp = 2 (p - t) / (batch·classes).
  const scale = op.mul(g, perExample, g.scalar(2 / classes));
  return { loss: op.reduce(g, 'Mean', op.squaredDifference(g, outputs, labels), [0, 1]), dOutputs: op.mul(g, op.sub(g, outputs, labels), scale) };
}

/** Correct predictions (argmax of outputs equal to the label's class) as an int32 scalar, as countCorrect counts them. */
function lowerCorrect(g: GraphBuilder, labelKind: LabelKind, outputs: Ref, labels: Ref): Ref {
  return op.countEqual(g, op.argMax(g, outputs, 1), labelKind === 'indices' ? labels : op.argMax(g, labels, 1));
}

interface GraphSpec {
  model: tf.LayersModel;
  loss: LossKind;
  labels: LabelKind;
  momentum: boolean;
  weightDecay: number;
  params: Set<tf.Variable>;
  oneDnn: boolean;
}

function buildTrainGraph(spec: GraphSpec): TrainGraph {
  const g = new GraphBuilder();
  const imageShape = spec.model.inputs[0]?.shape.slice(1) as number[];
  const classes = spec.model.outputs[0]?.shape[1];
  const images = g.placeholder(FEED.images, 'float32', [-1, ...imageShape]);
  const labels = spec.labels === 'indices' ? g.placeholder(FEED.labels, 'int32', [-1]) : g.placeholder(FEED.labels, 'float32', [-1, classes ?? -1]);
  const lr = g.placeholder(FEED.lr, 'float32', []);
  const momentum = spec.momentum ? g.placeholder(FEED.momentum, 'float32', []) : undefined;
  const trained = (weight: tf.LayerVariable): boolean => spec.params.has(weight.read() as tf.Variable);

  const variables = new Map<tf.LayerVariable, GraphVariable & { read: Ref }>();
  const updates: string[] = [];
  /** The weight's session variable (and momentum buffer, if trained with momentum), made on first use. */
  const variableOf = (weight: tf.LayerVariable): GraphVariable & { read: Ref } => {
    let entry = variables.get(weight);
    if (entry !== undefined) return entry;
    const index = variables.size;
    const shape = weight.shape as number[];
    entry = g.within('variables', () => {
      const handle = op.variableHandle(g, `v${index}`, shape);
      const buffer = spec.momentum && trained(weight) ? { init: `init_m${index}`, handle: op.variableHandle(g, `m${index}`, shape) } : undefined;
      return { weight, init: `init_v${index}`, handle, read: op.readVariable(g, handle), ...(buffer === undefined ? {} : { buffer }) };
    });
    variables.set(weight, entry);
    return entry;
  };
  const ctx: LayerContext = {
    g,
    oneDnn: spec.oneDnn,
    read: (weight) => variableOf(weight).read,
    assign: (weight, value) => void updates.push(op.assignVariable(g, variableOf(weight).handle, value)),
  };

  const model = lowerModel(ctx, spec.model, images, trained);
  if (model.outputShape.length !== 2 || typeof classes !== 'number') throw new UnsupportedStepError('the model output must be [batch, classes]');
  const { loss, dOutputs } = g.within('loss', () => lowerLoss(g, spec.loss, spec.labels, model.output, labels, classes));
  const correct = g.within('accuracy', () => lowerCorrect(g, spec.labels, model.output, labels));
  const gradients = model.backward(dOutputs);
  // The epoch's totals add up in the session, as fit's eager steps add them up on the device, one batch at a time.
  const sums = g.within('epoch', () => ({ loss: op.variableHandle(g, 'loss_sum', []), correct: op.variableHandle(g, 'correct_sum', [], 'int32') }));
  updates.push(op.assignAddVariable(g, sums.loss, loss), op.assignAddVariable(g, sums.correct, correct, 'int32'));
  g.within('sgd', () => {
    for (const [weight, gradient] of gradients) {
      const entry = variables.get(weight) as GraphVariable & { read: Ref };
      // torch.optim.SGD: g + weightDecay·p, then the momentum buffer (from zero: its first value is g), then p -= lr·v.
      const direction = spec.weightDecay === 0 ? gradient : op.add(g, gradient, op.mul(g, entry.read, g.scalar(spec.weightDecay)));
      const buffer = entry.buffer;
      updates.push(buffer === undefined || momentum === undefined ? op.applyGradientDescent(g, entry.handle, lr, direction) : op.applyMomentum(g, entry.handle, buffer.handle, lr, direction, momentum));
    }
  });
  const lossAfterStep = op.identity(g, loss, updates, 'float32', 'loss_after_step');

  const list = [...variables.values()];
  const initAssigns = g.within('load', () =>
    list.flatMap((v) => {
      const assigns = [op.assignVariable(g, v.handle, g.placeholder(v.init, 'float32', v.weight.shape as number[]))];
      if (v.buffer !== undefined) assigns.push(op.assignVariable(g, v.buffer.handle, g.placeholder(v.buffer.init, 'float32', v.weight.shape as number[])));
      return assigns;
    }).concat([op.assignVariable(g, sums.loss, g.scalar(0)), op.assignVariable(g, sums.correct, g.constant({ dtype: 'int32', shape: [], values: [0] }), 'int32')]),
  );
  const loaded = op.identity(g, g.scalar(0), initAssigns, 'float32', 'loaded');
  const reads = g.within('save', () => [
    ...list.map((v) => op.readVariable(g, v.handle)),
    ...list.flatMap((v) => (v.buffer === undefined ? [] : [op.readVariable(g, v.buffer.handle)])),
  ]);
  const sumReads = g.within('epoch', () => [op.readVariable(g, sums.loss), op.readVariable(g, sums.correct, 'int32')] as [Ref, Ref]);
  return { builder: g, variables: list, loaded, loss: lossAfterStep, reads, sums: sumReads };
}

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
  if (savedModelBackend() === undefined) throw new UnsupportedStepError(`graph steps need native TensorFlow, not '${tf.getBackend()}'`);
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
