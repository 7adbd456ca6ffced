// The graph of fit's training step: the model's forward and backward, the loss, SGD, and the epoch's sums.
import type * as tf from '@tensorflow/tfjs';
import { crossEntropy, mseLoss, nllLoss, type LossFn } from '../train/losses.js';
import { GraphBuilder, type Ref } from './builder.js';
import type { LayerContext } from './layers.js';
import { lowerModel } from './model.js';
import * as op from './ops.js';

/** The losses a graph step computes itself, by the library function fit is given. */
export const LOSSES = new Map<LossFn, LossKind>([[crossEntropy, 'crossEntropy'], [nllLoss, 'nllLoss'], [mseLoss, 'mseLoss']]);
export type LossKind = 'crossEntropy' | 'nllLoss' | 'mseLoss';

/** What a batch's labels are: int32 class indices [batch] or float32 rows [batch, classes] (one-hot or probabilities). */
export type LabelKind = 'indices' | 'rows';

/** Placeholder names the step is fed by. */
export const FEED = { images: 'images', labels: 'labels', lr: 'lr', momentum: 'momentum' } as const;

/** One graph variable: the model weight (or momentum buffer) it holds, and how it is initialized and read. */
export interface GraphVariable {
  weight: tf.LayerVariable;
  /** Placeholder fed with the value at `load`. */
  init: string;
  handle: Ref;
  /** Momentum buffer of a trained weight when the optimizer has momentum. */
  buffer?: { init: string; handle: Ref };
}

/** The graph of one training step, and the names to feed and fetch. */
export interface TrainGraph {
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

/** What the graph is built for. */
export interface GraphSpec {
  model: tf.LayersModel;
  loss: LossKind;
  labels: LabelKind;
  momentum: boolean;
  weightDecay: number;
  params: Set<tf.Variable>;
  oneDnn: boolean;
}

type SessionVariable = GraphVariable & { read: Ref };

/** The session variables of the model's weights, made as the lowering first reads each, and the step's assignments. */
function variablesFor(g: GraphBuilder, spec: GraphSpec, trained: (weight: tf.LayerVariable) => boolean) {
  const variables = new Map<tf.LayerVariable, SessionVariable>();
  const updates: string[] = [];
  const variableOf = (weight: tf.LayerVariable): SessionVariable => {
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
  return { ctx, updates, variableOf, all: (): SessionVariable[] => [...variables.values()] };
}

/** torch.optim.SGD on every weight with a gradient: g + weightDecay·p, the momentum buffer (from zero), p -= lr·v. */
function lowerSgd(g: GraphBuilder, spec: GraphSpec, gradients: Map<tf.LayerVariable, Ref>, variableOf: (w: tf.LayerVariable) => SessionVariable, feeds: { lr: Ref; momentum?: Ref }): string[] {
  return g.within('sgd', () =>
    [...gradients].map(([weight, gradient]) => {
      const { read, handle, buffer } = variableOf(weight);
      const direction = spec.weightDecay === 0 ? gradient : op.add(g, gradient, op.mul(g, read, g.scalar(spec.weightDecay)));
      if (buffer === undefined || feeds.momentum === undefined) return op.applyGradientDescent(g, handle, feeds.lr, direction);
      return op.applyMomentum(g, handle, buffer.handle, feeds.lr, direction, feeds.momentum);
    }),
  );
}

/** The assignments `load` runs (weights and buffers from placeholders, the sums to zero) and the reads `save` fetches. */
function lowerLoadAndSave(g: GraphBuilder, variables: SessionVariable[], sums: { loss: Ref; correct: Ref }) {
  const assigns = g.within('load', () => [
    ...variables.flatMap((v) => {
      const shape = v.weight.shape as number[];
      const values = [op.assignVariable(g, v.handle, g.placeholder(v.init, 'float32', shape))];
      if (v.buffer !== undefined) values.push(op.assignVariable(g, v.buffer.handle, g.placeholder(v.buffer.init, 'float32', shape)));
      return values;
    }),
    op.assignVariable(g, sums.loss, g.scalar(0)),
    op.assignVariable(g, sums.correct, g.constant({ dtype: 'int32', shape: [], values: [0] }), 'int32'),
  ]);
  const reads = g.within('save', () => [
    ...variables.map((v) => op.readVariable(g, v.handle)),
    ...variables.flatMap((v) => (v.buffer === undefined ? [] : [op.readVariable(g, v.buffer.handle)])),
  ]);
  const sumReads = g.within('epoch', () => [op.readVariable(g, sums.loss), op.readVariable(g, sums.correct, 'int32')] as [Ref, Ref]);
  return { loaded: op.identity(g, g.scalar(0), assigns, 'float32', 'loaded'), reads, sums: sumReads };
}

/** The whole step: placeholders, the model, loss and accuracy, gradients, SGD, the epoch's sums, load and save. */
export function buildTrainGraph(spec: GraphSpec): TrainGraph {
  const g = new GraphBuilder();
  const imageShape = spec.model.inputs[0]?.shape.slice(1) as number[];
  const classes = spec.model.outputs[0]?.shape[1];
  if (spec.model.outputs[0]?.shape.length !== 2 || typeof classes !== 'number') throw new UnsupportedStepError('the model output must be [batch, classes]');
  const images = g.placeholder(FEED.images, 'float32', [-1, ...imageShape]);
  const labels = spec.labels === 'indices' ? g.placeholder(FEED.labels, 'int32', [-1]) : g.placeholder(FEED.labels, 'float32', [-1, classes]);
  const feeds = { lr: g.placeholder(FEED.lr, 'float32', []), ...(spec.momentum ? { momentum: g.placeholder(FEED.momentum, 'float32', []) } : {}) };
  const trained = (weight: tf.LayerVariable): boolean => spec.params.has(weight.read() as tf.Variable);
  const { ctx, updates, variableOf, all } = variablesFor(g, spec, trained);

  const model = lowerModel(ctx, spec.model, images, trained);
  const { loss, dOutputs } = g.within('loss', () => lowerLoss(g, spec.loss, spec.labels, model.output, labels, classes));
  const correct = g.within('accuracy', () => lowerCorrect(g, spec.labels, model.output, labels));
  updates.push(...lowerSgd(g, spec, model.backward(dOutputs), variableOf, feeds));
  // The epoch's totals add up in the session, as fit's eager steps add them up on the device, one batch at a time.
  const sums = g.within('epoch', () => ({ loss: op.variableHandle(g, 'loss_sum', []), correct: op.variableHandle(g, 'correct_sum', [], 'int32') }));
  updates.push(op.assignAddVariable(g, sums.loss, loss), op.assignAddVariable(g, sums.correct, correct, 'int32'));
  const lossAfterStep = op.identity(g, loss, updates, 'float32', 'loss_after_step');
  return { builder: g, variables: all(), loss: lossAfterStep, ...lowerLoadAndSave(g, all(), sums) };
}
