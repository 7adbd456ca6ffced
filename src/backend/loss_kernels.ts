// Cross-entropy on logits and NLL on log-probabilities as one wasm kernel each way, instead of ~15 small ops.
import { engine, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs';
import { asWasm, floatsOf, WASM_BACKEND } from './wasm_calls.js';

/** Kernel names. Inputs { logits | logProbs [batch, classes] float32, labels [batch] int32 }, output the mean loss []. */
export const SOFTMAX_CROSS_ENTROPY = 'MnistCourseSoftmaxCrossEntropy';
export const NLL_LOSS = 'MnistCourseNllLoss';
/** Their gradients: the forward's inputs plus dy [], output d loss / d scores [batch, classes]. */
export const SOFTMAX_CROSS_ENTROPY_GRAD = 'MnistCourseSoftmaxCrossEntropyGrad';
export const NLL_LOSS_GRAD = 'MnistCourseNllLossGrad';

/** Whether `label` picks a class; others count as zero loss with zero gradient, as a one-hot row of zeros does. */
const inRange = (label: number, classes: number): boolean => label >= 0 && label < classes;

/**
 * Mean over the batch of -log softmax(logits)[label] (`logProbs` false) or of -logProbs[label] (`logProbs` true), in
 * float64 (exported for tests). scores [batch, classes] row-major. An empty batch gives NaN, as tf.mean does.
 */
export function meanLoss(scores: Float32Array, labels: Int32Array, classes: number, logProbs: boolean): number {
  const batch = labels.length;
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const label = labels[i] as number;
    if (!inRange(label, classes)) continue;
    const row = i * classes;
    total -= scores[row + label] as number;
    if (logProbs) continue;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, scores[row + j] as number);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp((scores[row + j] as number) - max);
    total += max + Math.log(sum);
  }
  return total / batch;
}

/**
 * d loss / d scores times dy into `out` (exported for tests): (softmax - onehot) · dy / batch for cross-entropy on
 * logits, -onehot · dy / batch for NLL; zero rows for labels outside [0, classes).
 */
export function lossGradient(scores: Float32Array, labels: Int32Array, classes: number, logProbs: boolean, dy: number, out: Float32Array): void {
  const batch = labels.length;
  const scale = dy / batch;
  out.fill(0);
  for (let i = 0; i < batch; i++) {
    const label = labels[i] as number;
    if (!inRange(label, classes)) continue;
    const row = i * classes;
    if (!logProbs) {
      let max = -Infinity;
      for (let j = 0; j < classes; j++) max = Math.max(max, scores[row + j] as number);
      // exp once per entry (the costly part): kept in `out`, then scaled.
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += out[row + j] = Math.exp((scores[row + j] as number) - max);
      const factor = scale / sum;
      for (let j = 0; j < classes; j++) out[row + j] = (out[row + j] as number) * factor;
    }
    out[row + label] = (out[row + label] as number) - scale;
  }
}

type LossInputs = { scores: TensorInfo; labels: TensorInfo; dy?: TensorInfo };

/** The loss inputs, whichever name the scores go by. */
function lossInputs(inputs: Record<string, TensorInfo>): LossInputs {
  const { logits, logProbs, labels, dy } = inputs;
  const scores = logits ?? logProbs;
  if (scores === undefined || labels === undefined) throw new Error('Our loss kernels take scores (logits or logProbs) and labels; pass both.');
  return { scores, labels, ...(dy !== undefined ? { dy } : {}) };
}

function forwardKernel(logProbs: boolean): KernelFunc {
  return (args) => {
    const heap = asWasm(args.backend);
    const { scores, labels } = lossInputs(args.inputs as Record<string, TensorInfo>);
    const out = heap.makeOutput([], 'float32');
    const classes = scores.shape[1] as number;
    const value = meanLoss(floatsOf(heap, scores), heap.typedArrayFromHeap(labels) as Int32Array, classes, logProbs);
    floatsOf(heap, out)[0] = value;
    return out;
  };
}

function gradientKernel(logProbs: boolean): KernelFunc {
  return (args) => {
    const heap = asWasm(args.backend);
    const { scores, labels, dy } = lossInputs(args.inputs as Record<string, TensorInfo>);
    const out = heap.makeOutput(scores.shape, 'float32');
    const dyValue = floatsOf(heap, dy as TensorInfo)[0] as number;
    lossGradient(floatsOf(heap, scores), heap.typedArrayFromHeap(labels) as Int32Array, scores.shape[1] as number, logProbs, dyValue, floatsOf(heap, out));
    return out;
  };
}

/** Our loss kernels for wasm, registered by registerWasmTrainingKernels; src/train uses them where they exist. */
export const LOSS_KERNEL_CONFIGS: readonly KernelConfig[] = [
  { kernelName: SOFTMAX_CROSS_ENTROPY, backendName: WASM_BACKEND, kernelFunc: forwardKernel(false) },
  { kernelName: SOFTMAX_CROSS_ENTROPY_GRAD, backendName: WASM_BACKEND, kernelFunc: gradientKernel(false) },
  { kernelName: NLL_LOSS, backendName: WASM_BACKEND, kernelFunc: forwardKernel(true) },
  { kernelName: NLL_LOSS_GRAD, backendName: WASM_BACKEND, kernelFunc: gradientKernel(true) },
];

/** The gradient of a loss kernel: one gradient kernel on the saved scores and labels (labels get none). */
function lossGradConfig(kernelName: string, scoresName: 'logits' | 'logProbs', gradName: string): GradConfig {
  return {
    kernelName,
    inputsToSave: [scoresName, 'labels'],
    gradFunc: (dy, saved) => {
      const [scores, labels] = saved as [Tensor, Tensor];
      return { [scoresName]: () => engine().runKernel(gradName, { [scoresName]: scores, labels, dy: dy as Tensor }) as Tensor };
    },
  };
}

/** Gradients of the loss kernels (registered for every backend; they run only where the forward kernel did). */
export const LOSS_GRADIENT_CONFIGS: readonly GradConfig[] = [
  lossGradConfig(SOFTMAX_CROSS_ENTROPY, 'logits', SOFTMAX_CROSS_ENTROPY_GRAD),
  lossGradConfig(NLL_LOSS, 'logProbs', NLL_LOSS_GRAD),
];
