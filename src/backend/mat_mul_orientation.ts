// Matrix products on wasm in the orientation that makes XNNPack pack the smaller operand: C = A·B or Cᵀ = Bᵀ·Aᵀ.
import { BatchMatMul, _FusedMatMul, type BatchMatMulAttrs, type KernelBackend, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { _FusedMatMulAttrs } from '@tensorflow/tfjs';
import { batchMatMulWasm } from './batch_mat_mul.js';
import type { GemmKind } from './gemm.js';
import { asWasm, floatsOf, type KernelOverride, runWasmKernel, withTemporaries } from './wasm_calls.js';

/**
 * What XNNPack's fully-connected operator costs besides the multiply-adds, per float, relative to a transpose
 * (wasm's Transpose kernel, ~0.55 ns a float here). wasm hands XNNPack the right operand [k, n] as weights, and
 * XNNPack repacks them (~3 ns a float) whenever that tensor was not the right operand before: every call in training,
 * where the weights change at each step and the backward pass multiplies fresh gradients. At the MLP's batch of 32,
 * packing a 784x128 weight took longer than the product itself.
 */
export const PACK_COST = 5;

/** What each orientation costs besides the multiply-adds. */
export interface OrientationCosts {
  direct: number;
  swapped: number;
}

/** Extra work of C = op(A)·op(B) [m, n], shared dimension k, in transposed floats: each orientation's copies and packing. */
export function orientationCosts(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): OrientationCosts {
  // direct: op(A) and op(B) materialized, op(B) packed. swapped: Cᵀ = op(B)ᵀ·op(A)ᵀ, op(A)ᵀ packed, Cᵀ transposed back.
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK_COST * k * n;
  const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + PACK_COST * k * m + m * n;
  return { direct, swapped };
}

/**
 * What our gemm (src/backend/gemm) costs more than XNNPack per multiply-add, in the same transposed-float units, by
 * build: XNNPack's products ran at 29.5 GFLOP/s here, ours at 22-24 with plain SIMD (no FMA; 6-row tiles ran slower
 * under V8 than 4-row ones) and 23-30 with relaxed SIMD's fused multiply-add (the lower end with A transposed):
 * (2/22.5 - 2/29.5) ns / 0.55 ns and (2/25 - 2/29.5) ns / 0.55 ns. Ours packs nothing, so it wins where XNNPack
 * would pack a large operand for a small product: the MLP's layers at batch 32, the hidden layer's forward at 100.
 */
export const GEMM_EXTRA_PER_MAC: Record<GemmKind, number> = { simd: 0.038, relaxed: 0.022 };

/** Whether our gemm (build `kind`) is expected to beat XNNPack, in its cheaper orientation, on op(A)·op(B) [m, n] with shared dimension k. */
export function gemmIsCheaper(kind: GemmKind, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const { direct, swapped } = orientationCosts(m, k, n, transposeA, transposeB);
  return GEMM_EXTRA_PER_MAC[kind] * m * k * n < Math.min(direct, swapped);
}

/** The last two axes of a rank-3 float tensor swapped, as a new wasm tensor the caller frees. */
function transposed(backend: KernelBackend, x: TensorInfo): TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm: [0, 2, 1] });
}

/** Both operands float32 [1, rows, cols]: the single products XNNPack runs (batched ones take wasm's plain loop). */
function singleFloatProduct(a: TensorInfo, b: TensorInfo): boolean {
  return a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length === 3 && b.shape.length === 3 && a.shape[0] === 1 && b.shape[0] === 1;
}

/** m, k, n of op(A)·op(B) for rank-3 operands. */
function dimensions(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): [number, number, number] {
  const [, a1, a2] = a.shape as [number, number, number];
  const [, b1, b2] = b.shape as [number, number, number];
  return [transposeA ? a2 : a1, transposeA ? a1 : a2, transposeB ? b1 : b2];
}

/**
 * Cᵀ = op(B)ᵀ·op(A)ᵀ [1, n, m] by wasm's own product with no transposes (the XNNPack path), as a temporary the caller
 * frees; `keep` receives the intermediates. An operand already transposed by the caller's flags needs no copy.
 */
function swappedProduct(args: Parameters<KernelFunc>[0], original: KernelFunc, keep: (t: TensorInfo) => TensorInfo): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const left = transposeB ? b : keep(transposed(backend, b));
  const right = transposeA ? a : keep(transposed(backend, a));
  return original({ backend, inputs: { a: left, b: right }, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
}

/**
 * BatchMatMul with a transposed operand (the gradients of every Dense layer: dx = dy·Wᵀ, dW = xᵀ·dy) in the cheaper
 * orientation by `orientationCosts`. For the MLP's first dx, dy·Wᵀ packs the 784x128 Wᵀ; (W·dyᵀ)ᵀ packs the 128x32
 * dyᵀ and transposes a 32x784 result. Products without transposes keep wasm's path (their right operand may be
 * cached), and so do batched ones; the direct orientation goes to batchMatMulWasm. Output owned by the engine.
 */
export function orientedBatchMatMul(original: KernelFunc): KernelFunc {
  const direct = batchMatMulWasm(original);
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if ((!transposeA && !transposeB) || !singleFloatProduct(a, b)) return direct(args);
    const costs = orientationCosts(...dimensions(a, b, transposeA, transposeB), transposeA, transposeB);
    if (costs.swapped >= costs.direct) return direct(args);
    const backend = args.backend as KernelBackend;
    return withTemporaries(backend, (keep) => transposed(backend, keep(swappedProduct(args, original, keep))));
  };
}

// Right operands the fused product has seen: wasm caches its packed copy from the second call with the same
// tensor on (inference with fixed weights), so a repeated operand goes the direct way and is packed once.
const seenWeights = new WeakSet<object>();

/** The activations the swapped _FusedMatMul applies itself; others go to wasm's kernel. */
const EPILOGUES: Record<string, (v: number) => number> = { linear: (v) => v, relu: (v) => (v > 0 ? v : 0) };

/**
 * _FusedMatMul (a Dense layer's forward: x·W + bias, then linear or relu) in the cheaper orientation. In training
 * the weights are new at every step, so wasm repacks W each time; at batch 32 computing (Wᵀ·xᵀ)ᵀ packs the 32-row
 * xᵀ instead. The bias and activation are then applied while transposing back, here in JavaScript (m·n floats).
 * Transposed operands, other activations, prelu weights, batched products, a right operand seen before, and cases
 * where the direct way is cheaper go to wasm's own kernel (`original`). Output owned by the engine.
 */
export function orientedFusedMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
    const epilogue = swappableEpilogue(args);
    if (epilogue === undefined || seenWeights.has(b.dataId)) return original(args);
    seenWeights.add(b.dataId);
    const [m, k, n] = dimensions(a, b, false, false);
    const costs = orientationCosts(m, k, n, false, false);
    const perColumnBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === n && bias.dtype === 'float32');
    if (costs.swapped >= costs.direct || !perColumnBias) return original(args);
    const heap = asWasm(args.backend);
    return withTemporaries(args.backend as KernelBackend, (keep) => {
      const product = keep(swappedProduct({ ...args, attrs: { transposeA: false, transposeB: false } }, wasmBatchMatMul, keep));
      const out = heap.makeOutput([1, m, n], 'float32');
      transposeWithBias(floatsOf(heap, product), n, m, bias == null ? undefined : floatsOf(heap, bias), epilogue, floatsOf(heap, out));
      return out;
    });
  };
}

/** The activation to apply after a swapped _FusedMatMul, or undefined when that product must stay wasm's own. */
function swappableEpilogue(args: Parameters<KernelFunc>[0]): ((v: number) => number) | undefined {
  const { a, b, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; preluActivationWeights?: TensorInfo };
  const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
  if (transposeA || transposeB || preluActivationWeights != null || !singleFloatProduct(a, b)) return undefined;
  return EPILOGUES[activation ?? 'linear'];
}

/** wasm's BatchMatMul (our override when registered) as a kernel function: the product inside swappedProduct. */
const wasmBatchMatMul: KernelFunc = ({ backend, inputs, attrs }) =>
  runWasmKernel(BatchMatMul, backend as KernelBackend, inputs as Record<string, TensorInfo>, attrs);

/** out[i, j] = activation(productT[j, i] + bias[j]) for productT [n, m] and out [m, n] (exported for tests). */
export function transposeWithBias(
  productT: Float32Array,
  n: number,
  m: number,
  bias: Float32Array | undefined,
  activation: (v: number) => number,
  out: Float32Array,
): void {
  for (let j = 0; j < n; j++) {
    const shift = bias === undefined ? 0 : (bias[j] as number);
    const row = j * m;
    for (let i = 0; i < m; i++) out[i * n + j] = activation((productT[row + i] as number) + shift);
  }
}

/** Registered over wasm's own BatchMatMul and _FusedMatMul by registerWasmTrainingKernels. */
export const orientedBatchMatMulOverride: KernelOverride = { kernelName: BatchMatMul, wrap: orientedBatchMatMul };
export const orientedFusedMatMulOverride: KernelOverride = { kernelName: _FusedMatMul, wrap: orientedFusedMatMul };
