// A Dense layer's forward and backward as one wasm kernel each: our products (gemm.ts) called directly, no reshapes.
import { _FusedMatMul, BatchMatMul, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { gemm, gemmKind } from './gemm.js';
import { gemmIsCheaper } from './mat_mul_orientation.js';
import { asWasm, floatsOf, runWasmKernel, viewAs, WASM_BACKEND, withTemporaries } from './wasm_calls.js';

/** x [m, k]·kernel [k, n] + bias [n], then the activation: output [m, n]. Attrs { activation: 'linear' | 'relu' }. */
export const DENSE = 'MnistCourseDense';
/**
 * Its gradients. Inputs x [m, k], kernel [k, n], dy [m, n] and, after relu, y [m, n] (the forward's output);
 * attrs { inputGradient: boolean }. Outputs [dKernel [k, n], dBias [n]] and dx [m, k] when inputGradient.
 */
export const DENSE_GRAD = 'MnistCourseDenseGrad';

export interface DenseAttrs {
  activation: 'linear' | 'relu';
}

export interface DenseGradAttrs {
  inputGradient: boolean;
}

/** The same buffer seen as [1, rows, cols], the rank wasm's products take (no copy, no engine call). */
function asBatchOfOne(t: TensorInfo): TensorInfo {
  return viewAs(t, [1, ...t.shape]);
}

/** The same buffer without its leading batch axis of one. */
function dropBatchAxis(t: TensorInfo): TensorInfo {
  return viewAs(t, t.shape.slice(1));
}

/**
 * d = dy where y > 0 (or dy itself when `y` is undefined) into `d`, and the column sums of d into `columnSums`:
 * the relu gradient and the bias gradient in one pass over [m, n] (exported for tests).
 */
export function reluGradAndColumnSums(
  dy: Float32Array,
  y: Float32Array | undefined,
  m: number,
  n: number,
  d: Float32Array | undefined,
  columnSums: Float32Array,
): void {
  const sums = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const g = y === undefined || (y[row + j] as number) > 0 ? (dy[row + j] as number) : 0;
      if (d !== undefined) d[row + j] = g;
      sums[j] = (sums[j] as number) + g;
    }
  }
  columnSums.set(sums);
}

/** Whether our gemm runs op(a)·op(b) here: this runtime can run it and gemmIsCheaper expects it to beat XNNPack. */
function useGemm(backend: KernelBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  const kind = gemmKind(backend);
  if (kind === undefined) return false;
  const [m, k] = (transposeA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
  return gemmIsCheaper(kind, m, k, b.shape[transposeB ? 0 : 1] as number, transposeA, transposeB);
}

/**
 * op(a)·op(b) for 2-d float32 operands on wasm, by whichever of our gemm and XNNPack (wasm's BatchMatMul with our
 * orientation override) gemmIsCheaper picks: a new tensor the caller owns (exported for src/graph's wasm steps).
 */
export function matrixProduct(backend: KernelBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  if (!useGemm(backend, a, b, transposeA, transposeB)) {
    return dropBatchAxis(runWasmKernel(BatchMatMul, backend, { a: asBatchOfOne(a), b: asBatchOfOne(b) }, { transposeA, transposeB }));
  }
  const out = asWasm(backend).makeOutput([a.shape[transposeA ? 1 : 0] as number, b.shape[transposeB ? 0 : 1] as number], 'float32');
  gemm(backend, { a, transposeA, b, transposeB, relu: false, out });
  return out;
}

/**
 * wasm kernel for DENSE: our gemm with the bias and relu applied as it stores where it is the cheaper product
 * (gemmIsCheaper), else wasm's _FusedMatMul (our orientation override) on rank-3 views of the operands.
 */
export const denseWasm: KernelFunc = (args) => {
  const { x, kernel, bias } = args.inputs as { x: TensorInfo; kernel: TensorInfo; bias: TensorInfo };
  const { activation } = args.attrs as unknown as DenseAttrs;
  const backend = args.backend as KernelBackend;
  if (useGemm(backend, x, kernel, false, false)) {
    const out = asWasm(backend).makeOutput([x.shape[0] as number, kernel.shape[1] as number], 'float32');
    gemm(backend, { a: x, transposeA: false, b: kernel, transposeB: false, bias, relu: activation === 'relu', out });
    return out;
  }
  const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 };
  const y = runWasmKernel(_FusedMatMul, backend, { a: asBatchOfOne(x), b: asBatchOfOne(kernel), bias }, attrs);
  return dropBatchAxis(y);
};

/**
 * wasm kernel for DENSE_GRAD: the relu mask and bias sums in one JavaScript pass (m·n floats: 4,096 for the MLP),
 * then dKernel = xᵀ·d and dx = d·kernelᵀ by matrixProduct (our gemm reads the operands transposed in place).
 */
export const denseGradWasm: KernelFunc = (args) => {
  const { x, kernel, dy, y } = args.inputs as { x: TensorInfo; kernel: TensorInfo; dy: TensorInfo; y?: TensorInfo };
  const { inputGradient } = args.attrs as unknown as DenseGradAttrs;
  const backend = args.backend as KernelBackend;
  const heap = asWasm(backend);
  const [m, n] = dy.shape as [number, number];
  return withTemporaries(backend, (keep) => {
    const d = y === undefined ? dy : keep(heap.makeOutput([m, n], 'float32'));
    const dBias = heap.makeOutput([n], 'float32');
    reluGradAndColumnSums(floatsOf(heap, dy), y && floatsOf(heap, y), m, n, d === dy ? undefined : floatsOf(heap, d), floatsOf(heap, dBias));
    const dKernel = matrixProduct(backend, x, d, true, false);
    return inputGradient ? [dKernel, dBias, matrixProduct(backend, d, kernel, false, true)] : [dKernel, dBias];
  });
};

/** Registered for wasm by registerWasmTrainingKernels; src/backend/dense_stack.ts uses them where they exist. */
export const DENSE_KERNEL_CONFIGS: readonly KernelConfig[] = [
  { kernelName: DENSE, backendName: WASM_BACKEND, kernelFunc: denseWasm },
  { kernelName: DENSE_GRAD, backendName: WASM_BACKEND, kernelFunc: denseGradWasm },
];
