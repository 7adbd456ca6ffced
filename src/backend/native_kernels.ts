// A Dense layer's forward and backward on native TensorFlow as raw TF ops: 3-4 eager ops each, no reshapes.
import { dispose, findBackend, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs';
import { DENSE, DENSE_GRAD, type DenseAttrs, type DenseGradAttrs } from './dense_kernels.js';
import { NATIVE_BACKEND, typeAttr, type NativeBackend, type OpAttr } from './native_ops.js';
import { NATIVE_TRAIN_KERNEL_CONFIGS } from './native_train_kernels.js';
import { COURSE_GRADIENTS, registerMissingGradients, registerMissingKernels } from './register.js';

/** Raised when a Dense kernel gets a dtype other than float32, the only one the course's models train in. */
export class NativeDenseDtypeError extends Error {
  constructor(dtype: string) {
    super(`Native Dense kernels expected float32 tensors, got ${dtype}. Cast the inputs with tf.cast(x, 'float32').`);
    this.name = 'NativeDenseDtypeError';
  }
}

/** The type attribute T = float32, after checking that every tensor is float32. */
function floatType(backend: NativeBackend, ...tensors: TensorInfo[]): OpAttr {
  const other = tensors.find((t) => t.dtype !== 'float32');
  if (other !== undefined) throw new NativeDenseDtypeError(other.dtype);
  return typeAttr(backend);
}

/** TF's MatMul of two matrices: a [m, k]·b [k, n] (each optionally transposed first) -> [m, n]. */
function matMul(backend: NativeBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Tensor {
  const attrs = [
    floatType(backend, a, b),
    { name: 'transpose_a', type: backend.binding.TF_ATTR_BOOL, value: transposeA },
    { name: 'transpose_b', type: backend.binding.TF_ATTR_BOOL, value: transposeB },
  ];
  return backend.executeSingleOutput('MatMul', attrs, [a, b]);
}

/** `t` through the one-input, one-output float op `name`, freeing `t` (an intermediate of ours). */
function replaceBy(backend: NativeBackend, name: string, t: Tensor, ...more: TensorInfo[]): Tensor {
  const out = backend.executeSingleOutput(name, [floatType(backend, t)], [t, ...more]);
  dispose(t);
  return out;
}

/** Native kernel for DENSE: MatMul, BiasAdd and, for relu, Relu (three TF ops; tfjs-node's own path runs six). */
export const denseNative: KernelFunc = (args) => {
  const { x, kernel, bias } = args.inputs as { x: TensorInfo; kernel: TensorInfo; bias: TensorInfo };
  const { activation } = args.attrs as unknown as DenseAttrs;
  const backend = args.backend as unknown as NativeBackend;
  const y = replaceBy(backend, 'BiasAdd', matMul(backend, x, kernel, false, false), bias);
  return activation === 'relu' ? replaceBy(backend, 'Relu', y) : y;
};

/**
 * Native kernel for DENSE_GRAD: d = ReluGrad(dy, y) after relu, dKernel = xᵀ·d, dBias = BiasAddGrad(d) (the sum
 * over the batch) and, when inputGradient, dx = d·kernelᵀ: three TF ops, four with dx, one more after relu.
 * ReluGrad passes dy where y > 0 and 0 elsewhere: the generic path's dy·step(y) for a relu output y (>= 0), except
 * with NaNs (step(NaN) is NaN, and NaN·0 is NaN where ReluGrad gives 0), which only a diverged run has.
 */
export const denseGradNative: KernelFunc = (args) => {
  const { x, kernel, dy, y } = args.inputs as { x: TensorInfo; kernel: TensorInfo; dy: TensorInfo; y?: TensorInfo };
  const { inputGradient } = args.attrs as unknown as DenseGradAttrs;
  const backend = args.backend as unknown as NativeBackend;
  const d = y === undefined ? dy : backend.executeSingleOutput('ReluGrad', [floatType(backend, dy, y)], [dy, y]);
  const dKernel = matMul(backend, x, d, true, false);
  const dBias = backend.executeSingleOutput('BiasAddGrad', [floatType(backend, d)], [d]);
  const dx = inputGradient ? matMul(backend, d, kernel, false, true) : undefined;
  if (d !== dy) dispose(d as Tensor);
  return dx === undefined ? [dKernel, dBias] : [dKernel, dBias, dx];
};

/** DENSE and DENSE_GRAD for native TensorFlow; src/backend/dense_stack.ts uses them where they are registered. */
export const NATIVE_DENSE_KERNEL_CONFIGS: readonly KernelConfig[] = [
  { kernelName: DENSE, backendName: NATIVE_BACKEND, kernelFunc: denseNative },
  { kernelName: DENSE_GRAD, backendName: NATIVE_BACKEND, kernelFunc: denseGradNative },
];

export { NATIVE_BACKEND } from './native_ops.js';
export { NATIVE_TRAIN_KERNEL_CONFIGS } from './native_train_kernels.js';

/**
 * Registers NATIVE_DENSE_KERNEL_CONFIGS and NATIVE_TRAIN_KERNEL_CONFIGS (and the gradients those need) when native
 * TensorFlow is loaded (its 'tensorflow' backend exists); safe to call many times. Returns the names it registered
 * this time (empty when native is absent or all are in place), gradients as "<kernel> gradient".
 */
export function registerNativeKernels(): string[] {
  if (findBackend(NATIVE_BACKEND) == null) return [];
  return [
    ...registerMissingKernels([...NATIVE_DENSE_KERNEL_CONFIGS, ...NATIVE_TRAIN_KERNEL_CONFIGS], NATIVE_BACKEND),
    ...registerMissingGradients(COURSE_GRADIENTS),
  ];
}
