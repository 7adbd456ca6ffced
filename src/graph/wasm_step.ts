// fit's step for Dense chains on wasm: our wasm kernels called directly in one pass, without the engine or its tape.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { DENSE, DENSE_GRAD } from '../backend/dense_kernels.js';
import { denseStackOf, type DenseActivation, type DenseChainStep } from '../backend/dense_stack.js';
import { LOG_SOFTMAX, LOG_SOFTMAX_GRAD } from '../backend/log_softmax.js';
import { NLL_LOSS, NLL_LOSS_GRAD, SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from '../backend/loss_kernels.js';
import { SGD_UPDATE, type SgdUpdateAttrs } from '../backend/sgd_kernel.js';
import { floatsOf, infoOf, runWasmKernel, WASM_BACKEND } from '../backend/wasm_calls.js';
import { parameters } from '../models/index.js';
import { crossEntropy, nllLoss, type LossFn } from '../train/losses.js';
import { SGD } from '../train/sgd.js';
import { UnsupportedStepError } from './train_graph.js';
import type { CompiledTrainStep, EpochSums, TrainSetup } from './train_step.js';

/** graphStepStatus of a model fit trains with this step. */
export const WASM_STEP = 'one pass of wasm kernels per step';

/** The loss kernels of a loss fit may be given, and the name its scores go by. */
const LOSS_KERNELS = new Map<LossFn, { forward: string; gradient: string; scores: 'logits' | 'logProbs' }>([
  [crossEntropy, { forward: SOFTMAX_CROSS_ENTROPY, gradient: SOFTMAX_CROSS_ENTROPY_GRAD, scores: 'logits' }],
  [nllLoss, { forward: NLL_LOSS, gradient: NLL_LOSS_GRAD, scores: 'logProbs' }],
]);

/** A weight during an epoch: one reference of ours to its current value (and momentum buffer) on the wasm heap. */
interface Slot {
  weight: tf.LayerVariable;
  trained: boolean;
  value: TensorInfo;
  buffer?: TensorInfo;
}

type Layer = { kind: 'flatten' } | { kind: 'logSoftmax' } | { kind: 'dense'; kernel: Slot; bias: Slot; activation: DenseActivation };

/** What a forward step took and made, kept for its backward. */
interface Saved {
  input: TensorInfo;
  output: TensorInfo;
}

const RELU_NOT_FOLDED = 'a ReLU layer that is not folded into a linear Dense layer before it';

/** How many rows of `scores` [rows, classes] have their (first) largest value at the row's label, as countCorrect counts. */
export function countCorrect(scores: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  labels.forEach((label, row) => {
    let best = 0;
    for (let j = 1; j < classes; j++) if ((scores[row * classes + j] as number) > (scores[row * classes + best] as number)) best = j;
    if (best === label) correct++;
  });
  return correct;
}

class WasmDenseStep implements CompiledTrainStep {
  private readonly backend: BackendWasm;
  /** d loss / d loss, as the engine's backward pass starts from ones; made at load, freed at save. */
  private one: TensorInfo | undefined;
  private slots: Slot[] = [];
  private layers: Layer[] = [];
  private sums: EpochSums = { lossSum: 0, correct: 0 };
  private stepsSinceLoad = 0;

  constructor(
    private readonly chain: readonly DenseChainStep[],
    private readonly loss: { forward: string; gradient: string; scores: 'logits' | 'logProbs' },
    private readonly optimizer: SGD,
    private readonly trained: Set<tf.Variable>,
  ) {
    this.backend = tf.backend() as BackendWasm;
  }

  load(): void {
    this.release();
    const slotOf = (weight: tf.LayerVariable): Slot => {
      const variable = weight.read() as tf.Variable;
      const slot: Slot = { weight, trained: this.trained.has(variable), value: this.hold(variable) };
      const buffer = this.optimizer.momentumBuffer(variable);
      if (buffer !== undefined) slot.buffer = this.hold(buffer);
      this.slots.push(slot);
      return slot;
    };
    this.layers = this.chain.map((step): Layer => {
      if (step.kind === 'dense') return { kind: 'dense', kernel: slotOf(step.kernel), bias: slotOf(step.bias), activation: step.activation };
      if (step.kind === 'relu') throw new UnsupportedStepError(RELU_NOT_FOLDED);
      return step;
    });
    this.one = this.backend.makeOutput([], 'float32');
    floatsOf(this.backend, this.one)[0] = 1;
    this.sums = { lossSum: 0, correct: 0 };
    this.stepsSinceLoad = 0;
  }

  step(images: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    const one = this.one;
    if (one === undefined) throw new UnsupportedStepError('a step before load (or after save)');
    if (images.dtype !== 'float32' || labels.dtype !== 'int32' || labels.rank !== 1) {
      throw new UnsupportedStepError(`batches of float32 images and int32 labels [batch], got ${images.dtype} and ${labels.dtype} [${labels.shape}]`);
    }
    const temporaries: TensorInfo[] = [];
    const made = (t: TensorInfo): TensorInfo => (temporaries.push(t), t);
    let loss: TensorInfo | undefined; // the caller's once returned, ours to free until then
    try {
      const { output, saved } = this.forward(infoOf(images), made);
      const labelInfo = infoOf(labels);
      loss = this.run(this.loss.forward, { [this.loss.scores]: output, labels: labelInfo });
      const lossValue = floatsOf(this.backend, loss)[0] as number;
      const correct = countCorrect(floatsOf(this.backend, output), this.backend.typedArrayFromHeap(labelInfo) as Int32Array, output.shape[1] as number);
      const dScores = made(this.run(this.loss.gradient, { [this.loss.scores]: output, labels: labelInfo, dy: one }));
      this.backwardAndUpdate(saved, dScores, made);
      // The epoch's sums as fit's eager steps keep them on the device: float32 additions, int32 counts.
      this.sums = { lossSum: Math.fround(this.sums.lossSum + lossValue), correct: this.sums.correct + correct };
      this.stepsSinceLoad++;
      const result = tf.engine().makeTensorFromTensorInfo(loss) as tf.Scalar;
      loss = undefined;
      return result;
    } finally {
      for (const t of [...temporaries, ...(loss === undefined ? [] : [loss])]) this.backend.disposeData(t.dataId);
    }
  }

  save(): EpochSums {
    const sums = this.sums;
    if (this.stepsSinceLoad === 0) {
      this.release();
      return sums;
    }
    const buffers = new Map<tf.Variable, tf.Tensor>();
    for (const slot of this.slots) {
      // Our reference becomes an engine tensor; the variable takes its own reference to it, and the optimizer copies the buffer.
      const value = tf.engine().makeTensorFromTensorInfo(slot.value);
      slot.weight.write(value);
      value.dispose();
      if (slot.buffer !== undefined) buffers.set(slot.weight.read() as tf.Variable, tf.engine().makeTensorFromTensorInfo(slot.buffer));
    }
    this.slots = []; // their references now belong to the engine tensors above: release frees only `one`
    this.release();
    this.optimizer.recordSteps(this.stepsSinceLoad, buffers);
    tf.dispose([...buffers.values()]);
    this.stepsSinceLoad = 0;
    return sums;
  }

  dispose(): void {
    this.release();
  }

  /** Forward in training mode: each layer's input and output kept for the backward pass. */
  private forward(images: TensorInfo, made: (t: TensorInfo) => TensorInfo): { output: TensorInfo; saved: Saved[] } {
    let x = images;
    const saved = this.layers.map((layer) => {
      const input = x;
      if (layer.kind === 'flatten') x = { ...x, shape: [x.shape[0] as number, tf.util.sizeFromShape(x.shape.slice(1))] };
      else if (layer.kind === 'logSoftmax') x = made(this.run(LOG_SOFTMAX, { logits: x }));
      else x = made(this.run(DENSE, { x, kernel: layer.kernel.value, bias: layer.bias.value }, { activation: layer.activation }));
      return { input, output: x };
    });
    return { output: x, saved };
  }

  /**
   * Backward from d loss / d scores, each Dense layer's weights updated by SGD right after its gradients (its input
   * gradient is computed from the weights before the update, as the eager step computes all gradients first).
   */
  private backwardAndUpdate(saved: Saved[], dScores: TensorInfo, made: (t: TensorInfo) => TensorInfo): void {
    const firstDense = this.layers.findIndex((layer) => layer.kind === 'dense');
    let d = dScores;
    for (let i = this.layers.length - 1; i >= firstDense; i--) {
      const layer = this.layers[i] as Layer;
      const { input, output } = saved[i] as Saved;
      if (layer.kind === 'flatten') d = { ...d, shape: input.shape };
      else if (layer.kind === 'logSoftmax') d = made(this.run(LOG_SOFTMAX_GRAD, { y: output, dy: d }));
      else {
        const inputs = { x: input, kernel: layer.kernel.value, dy: d, ...(layer.activation === 'relu' ? { y: output } : {}) };
        const [dKernel, dBias, dx] = (this.run(DENSE_GRAD, inputs, { inputGradient: i > firstDense }) as unknown as TensorInfo[]).map(made);
        this.update(layer.kernel, dKernel as TensorInfo);
        this.update(layer.bias, dBias as TensorInfo);
        if (dx !== undefined) d = dx;
      }
    }
  }

  /** torch.optim.SGD's update of one weight by our SGD_UPDATE kernel (the eager step's kernel: the same values). */
  private update(slot: Slot, gradient: TensorInfo): void {
    if (!slot.trained) return;
    const { lr, momentum, weightDecay } = this.optimizer;
    const attrs: SgdUpdateAttrs = { lr, momentum, weightDecay };
    const inputs: Record<string, TensorInfo> = { param: slot.value, gradient, ...(slot.buffer === undefined ? {} : { buffer: slot.buffer }) };
    const [value, buffer] = this.run(SGD_UPDATE, inputs, attrs) as unknown as TensorInfo[];
    this.backend.disposeData(slot.value.dataId);
    slot.value = value as TensorInfo;
    if (buffer === undefined) return;
    if (slot.buffer !== undefined) this.backend.disposeData(slot.buffer.dataId);
    slot.buffer = buffer;
  }

  private run(kernel: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    return runWasmKernel(kernel, this.backend as unknown as KernelBackend, inputs, attrs as tf.NamedAttrMap);
  }

  /** A reference of ours to a tensor's buffer (freed by `release`, or handed to an engine tensor by `save`). */
  private hold(t: tf.Tensor): TensorInfo {
    this.backend.incRef(t.dataId);
    return infoOf(t);
  }

  /** Frees what the step holds between load and save: its references to the weights and buffers, and `one`. */
  private release(): void {
    for (const slot of this.slots) {
      this.backend.disposeData(slot.value.dataId);
      if (slot.buffer !== undefined) this.backend.disposeData(slot.buffer.dataId);
    }
    this.slots = [];
    if (this.one !== undefined) this.backend.disposeData(this.one.dataId);
    this.one = undefined;
  }
}

/**
 * fit's step for `model` on wasm when it is a chain of Dense, ReLU, Flatten and log-softmax layers (the linear,
 * hidden-layer and MLP models) trained with crossEntropy or nllLoss on int32 class indices by our SGD: the eager
 * step's kernels (src/backend) in the same order, called directly, so the same values, without the engine's
 * bookkeeping, gradient tape and new weight tensors at each step. Throws UnsupportedStepError naming what it does
 * not cover (then fit trains eagerly).
 */
export function compileWasmDenseStep(model: tf.LayersModel, setup: TrainSetup, labels: tf.Tensor): CompiledTrainStep {
  if (tf.getBackend() !== WASM_BACKEND) throw new UnsupportedStepError(`this step is for wasm, not '${tf.getBackend()}'`);
  const missing = [DENSE, DENSE_GRAD, LOG_SOFTMAX, LOG_SOFTMAX_GRAD, SGD_UPDATE].filter((name) => tf.getKernel(name, WASM_BACKEND) === undefined);
  if (missing.length > 0) throw new UnsupportedStepError(`the course's wasm kernels are not registered (${missing.join(', ')}): registerWasmTrainingKernels() adds them`);
  const chain = denseStackOf(model)?.steps;
  if (chain === undefined) throw new UnsupportedStepError('on wasm only chains of Dense, ReLU, Flatten and log-softmax layers are compiled');
  if (chain.some((step) => step.kind === 'relu')) throw new UnsupportedStepError(RELU_NOT_FOLDED);
  const loss = LOSS_KERNELS.get(setup.loss);
  if (loss === undefined || [loss.forward, loss.gradient].some((name) => tf.getKernel(name, WASM_BACKEND) === undefined)) throw new UnsupportedStepError('on wasm the loss is not one of crossEntropy, nllLoss');
  // Not instanceof: tf.Optimizer's Symbol.hasInstance makes every optimizer an instance of every subclass.
  if (!SGD.prototype.isPrototypeOf(setup.optimizer)) throw new UnsupportedStepError('the optimizer is not the library SGD');
  if (labels.rank !== 1 || labels.dtype !== 'int32') throw new UnsupportedStepError(`on wasm labels must be int32 [batch], got ${labels.dtype} [${labels.shape}]`);
  if (model.inputs[0]?.dtype !== 'float32') throw new UnsupportedStepError('the model input must be float32');
  return new WasmDenseStep(chain, loss, setup.optimizer as SGD, new Set(parameters(model)));
}
