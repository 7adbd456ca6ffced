// A chain of Dense, ReLU, Flatten and log-softmax layers as fused ops for training: the model's forward, fewer kernels.
import * as tf from '@tensorflow/tfjs';
import { DENSE, DENSE_GRAD } from './dense_kernels.js';
import { LOG_SOFTMAX } from './log_softmax.js';

/** One step of the chain. A ReLU right after a linear Dense is folded into it (wasm's XNNPack clamps in the product). */
export type DenseChainStep =
  | { kind: 'flatten' }
  | { kind: 'dense'; kernel: tf.LayerVariable; bias: tf.LayerVariable; activation: DenseActivation }
  | { kind: 'relu' }
  | { kind: 'logSoftmax' };

export type DenseActivation = 'linear' | 'relu';

/** A model whose training forward runs as fused ops. */
export interface DenseStack {
  /** The chain's steps in order, ReLUs folded into the Dense layers before them. */
  steps: readonly DenseChainStep[];
  /**
   * The model's output for `images` [batch, ...inputShape] in training mode (as model.apply(images, { training: true })),
   * with gradients for the weights only: none flow back to the images, so the first layer skips dx = dy·Wᵀ, which
   * TF.js's fused Dense computes and drops. Output [batch, units] owned by the caller (or the enclosing tidy).
   */
  forward(images: tf.Tensor): tf.Tensor;
}

/** Minimal views of the tf.layers internals we check (not in the public typings). */
interface LayerInternals {
  inboundNodes: { inboundLayers: unknown[] }[];
  activation?: { getClassName(): string };
  useBias?: boolean;
  kernel?: tf.LayerVariable;
  bias?: tf.LayerVariable;
  maxValue?: number | null;
  dataFormat?: string;
}

/** The step `layer` stands for, or undefined when it is not one we run ourselves. */
function stepOf(layer: tf.layers.Layer): DenseChainStep | 'input' | undefined {
  const internals = layer as unknown as LayerInternals;
  const activation = internals.activation?.getClassName();
  switch (layer.getClassName()) {
    case 'InputLayer':
      return 'input';
    case 'Flatten':
      return internals.dataFormat === 'channelsFirst' ? undefined : { kind: 'flatten' };
    case 'ReLU':
      return internals.maxValue == null ? { kind: 'relu' } : undefined;
    case 'Activation':
      return activation === 'relu' ? { kind: 'relu' } : activation === 'logSoftmax' ? { kind: 'logSoftmax' } : undefined;
    case 'Dense': {
      const { kernel, bias, useBias } = internals;
      const inputRank = (layer.input as tf.SymbolicTensor).shape.length;
      if ((activation !== 'linear' && activation !== 'relu') || !useBias || kernel == null || bias == null || inputRank !== 2) return undefined;
      return { kind: 'dense', kernel, bias, activation };
    }
    default:
      return undefined;
  }
}

function isInputLayer(layer: unknown): boolean {
  return layer instanceof tf.layers.Layer && layer.getClassName() === 'InputLayer';
}

/** The steps of `model` when it is one chain of layers we run ourselves (each layer fed by the one before, once). */
function stepsOf(model: tf.LayersModel): DenseChainStep[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const steps: DenseChainStep[] = [];
  let previous: tf.layers.Layer | undefined;
  for (const layer of model.layers) {
    const nodes = (layer as unknown as LayerInternals).inboundNodes;
    const step = stepOf(layer);
    if (step === undefined || nodes.length !== 1) return undefined;
    const inbound = nodes[0]?.inboundLayers ?? [];
    // tf.sequential models leave their InputLayer out of model.layers: the first layer is then fed by one not listed.
    const fedByPrevious = inbound.length === 1 && (inbound[0] === previous || (previous === undefined && isInputLayer(inbound[0])));
    if (step === 'input' ? previous !== undefined || inbound.length !== 0 : !fedByPrevious) return undefined;
    if (step !== 'input') steps.push(step);
    previous = layer;
  }
  if (previous === undefined || model.outputs[0]?.sourceLayer !== previous) return undefined;
  return foldRelus(steps);
}

/** Dense(linear) then ReLU becomes Dense(relu). */
function foldRelus(steps: DenseChainStep[]): DenseChainStep[] {
  const folded: DenseChainStep[] = [];
  for (const step of steps) {
    const last = folded[folded.length - 1];
    if (step.kind === 'relu' && last?.kind === 'dense' && last.activation === 'linear') folded[folded.length - 1] = { ...last, activation: 'relu' };
    else folded.push(step);
  }
  return folded;
}

/** How to run one Dense layer: its activation, whether its input needs a gradient, whether our DENSE kernels run it. */
interface DenseOptions {
  activation: DenseActivation;
  inputGradient: boolean;
  kernels: boolean;
}

/** Whether the active backend has our Dense kernels (wasm): one engine call each way per layer. */
function hasDenseKernels(): boolean {
  return tf.getKernel(DENSE_GRAD, tf.getBackend()) !== undefined && tf.getKernel(DENSE, tf.getBackend()) !== undefined;
}

/** x·W + bias, then the activation: one _FusedMatMul kernel (or our DENSE). x [m, k], W [k, n], bias [n] -> [m, n]. */
function fusedDense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, { activation, kernels }: DenseOptions): tf.Tensor {
  if (kernels) return tf.engine().runKernel(DENSE, { x, kernel, bias }, { activation }) as tf.Tensor;
  const [m, k] = x.shape as [number, number];
  const n = kernel.shape[1] as number;
  const inputs = { a: tf.reshape(x, [1, m, k]), b: tf.reshape(kernel, [1, k, n]), bias };
  const y = tf.engine().runKernel('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as tf.Tensor;
  return tf.reshape(y, [m, n]);
}

/** [dx when inputGradient, dW, dbias] of a Dense layer from its input x, weights, dy and (after relu) output y. */
function denseGradients(x: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor, y: tf.Tensor | undefined, options: DenseOptions): tf.Tensor[] {
  const { inputGradient, kernels } = options;
  if (kernels) {
    const [dKernel, dBias, dx] = tf.engine().runKernel(DENSE_GRAD, { x, kernel, dy, ...(y ? { y } : {}) }, { inputGradient }) as tf.Tensor[];
    return dx === undefined ? [dKernel as tf.Tensor, dBias as tf.Tensor] : [dx, dKernel as tf.Tensor, dBias as tf.Tensor];
  }
  const d = y === undefined ? dy : tf.mul(dy, tf.step(y));
  const weightGradients = [tf.matMul(x, d, true, false), tf.sum(d, 0)];
  return inputGradient ? [tf.matMul(d, kernel, false, true), ...weightGradients] : weightGradients;
}

/**
 * A Dense layer with its gradients written out: d = dy (times step(y) after relu), dW = xᵀ·d, dbias = Σ_batch d and,
 * when `inputGradient`, dx = d·Wᵀ. Without it x is a constant of the op, so no gradient is computed for it.
 * The gradient keeps only x and, after relu, y: the engine frees the forward's intermediates before backprop,
 * whereas the weights are variables, alive throughout.
 */
function dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, options: DenseOptions): tf.Tensor {
  const { activation, inputGradient } = options;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const input = inputGradient ? (args[0] as tf.Tensor) : x;
    const value = fusedDense(input, kernel, bias, options);
    save(activation === 'relu' ? [input, value] : [input]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [savedInput, y] = saved as [tf.Tensor, tf.Tensor | undefined];
      return denseGradients(savedInput, kernel, dy, y, options);
    };
    return { value, gradFunc };
  });
  return inputGradient ? op(x, kernel, bias) : op(kernel, bias);
}

/** tf.logSoftmax along the last axis, as our one LOG_SOFTMAX kernel where the backend has it (wasm). */
function logSoftmax(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || tf.getKernel(LOG_SOFTMAX, tf.getBackend()) === undefined) return tf.logSoftmax(x);
  return tf.engine().runKernel(LOG_SOFTMAX, { logits: x }) as tf.Tensor;
}

function run(steps: readonly DenseChainStep[], images: tf.Tensor): tf.Tensor {
  const kernels = hasDenseKernels(); // looked up once per forward: tf.getKernel builds a key string each call
  let x = images;
  let fromImages = true;
  for (const step of steps) {
    if (step.kind === 'flatten') x = tf.reshape(x, [x.shape[0] as number, -1]);
    else if (step.kind === 'relu') x = tf.relu(x);
    else if (step.kind === 'logSoftmax') x = logSoftmax(x);
    else {
      x = dense(x, step.kernel.read(), step.bias.read(), { activation: step.activation, inputGradient: !fromImages, kernels });
      fromImages = false;
    }
  }
  return x;
}

const cache = new WeakMap<tf.LayersModel, DenseStack | null>();

/**
 * The fused forward of `model` when it is a chain of Dense (linear or relu, with bias), ReLU, Activation (relu,
 * logSoftmax) and Flatten layers, as the course's linear, hidden-layer and MLP models are; undefined otherwise (CNN,
 * ResNet, anything with dropout or batch norm: train those through model.apply). Works on every backend.
 * @example const forward = denseStackOf(model)?.forward ?? ((x) => model.apply(x, { training: true }) as tf.Tensor);
 */
export function denseStackOf(model: tf.LayersModel): DenseStack | undefined {
  let stack = cache.get(model);
  if (stack === undefined) {
    const steps = stepsOf(model);
    stack = steps === undefined || !steps.some((s) => s.kind === 'dense') ? null : { steps, forward: (images) => run(steps, images) };
    cache.set(model, stack);
  }
  return stack ?? undefined;
}
