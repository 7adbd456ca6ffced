// Log-softmax over the classes of [batch, classes] as one wasm kernel each way, instead of ~10 small ops.
import { engine, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs';
import { asWasm, floatsOf, WASM_BACKEND } from './wasm_calls.js';

/** Input { logits [batch, classes] float32 }, output log softmax(logits) along the last axis, same shape. */
export const LOG_SOFTMAX = 'MnistCourseLogSoftmax';
/** Its gradient: inputs { y (the forward's output), dy }, output dy - softmax · Σ_classes dy, [batch, classes]. */
export const LOG_SOFTMAX_GRAD = 'MnistCourseLogSoftmaxGrad';

/** y[i, :] = x[i, :] - max - log Σ exp(x[i, :] - max), rows of `classes` (exported for tests). */
export function logSoftmaxInto(x: Float32Array, classes: number, y: Float32Array): void {
  for (let row = 0; row < x.length; row += classes) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, x[row + j] as number);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp((x[row + j] as number) - max);
    const shift = max + Math.log(sum);
    for (let j = 0; j < classes; j++) y[row + j] = (x[row + j] as number) - shift;
  }
}

/** dx[i, :] = dy[i, :] - exp(y[i, :]) · Σ_j dy[i, j], the gradient of log-softmax from its output y (exported for tests). */
export function logSoftmaxGradInto(y: Float32Array, dy: Float32Array, classes: number, dx: Float32Array): void {
  for (let row = 0; row < y.length; row += classes) {
    let total = 0;
    for (let j = 0; j < classes; j++) total += dy[row + j] as number;
    for (let j = 0; j < classes; j++) dx[row + j] = (dy[row + j] as number) - Math.exp(y[row + j] as number) * total;
  }
}

const logSoftmaxWasm: KernelFunc = (args) => {
  const heap = asWasm(args.backend);
  const { logits } = args.inputs as { logits: TensorInfo };
  const out = heap.makeOutput(logits.shape, 'float32');
  const classes = logits.shape[logits.shape.length - 1] as number;
  logSoftmaxInto(floatsOf(heap, logits), classes, floatsOf(heap, out));
  return out;
};

const logSoftmaxGradWasm: KernelFunc = (args) => {
  const heap = asWasm(args.backend);
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const out = heap.makeOutput(y.shape, 'float32');
  logSoftmaxGradInto(floatsOf(heap, y), floatsOf(heap, dy), y.shape[y.shape.length - 1] as number, floatsOf(heap, out));
  return out;
};

/** Registered for wasm by registerWasmTrainingKernels; src/backend/dense_stack.ts uses them where they exist. */
export const LOG_SOFTMAX_KERNEL_CONFIGS: readonly KernelConfig[] = [
  { kernelName: LOG_SOFTMAX, backendName: WASM_BACKEND, kernelFunc: logSoftmaxWasm },
  { kernelName: LOG_SOFTMAX_GRAD, backendName: WASM_BACKEND, kernelFunc: logSoftmaxGradWasm },
];

/** The gradient of LOG_SOFTMAX (registered for every backend; it runs only where the forward kernel did). */
export const LOG_SOFTMAX_GRADIENT_CONFIG: GradConfig = {
  kernelName: LOG_SOFTMAX,
  outputsToSave: [true],
  gradFunc: (dy, saved) => ({ logits: () => engine().runKernel(LOG_SOFTMAX_GRAD, { y: saved[0] as Tensor, dy: dy as Tensor }) as Tensor }),
};
