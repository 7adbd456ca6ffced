// BatchMatMul on wasm with transposed operands: transpose first, so the product takes wasm's XNNPack path.
import { type BatchMatMulAttrs, type KernelBackend, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { runWasmKernel, withTemporaries } from './wasm_calls.js';

/** The permutation that swaps the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * wasm's BatchMatMul multiplies with XNNPack only when neither operand is transposed; with transposeA or
 * transposeB (every Dense layer's gradient: dW = xᵀ·dy, dx = dy·Wᵀ) it runs a plain loop, ~10x slower at the
 * MLP's sizes. Transposing the operand explicitly (a copy of the size of the operand) then multiplying is faster.
 * Inputs a, b as tf.matMul takes them; output as wasm's kernel gives it, owned by the engine.
 */
export function batchMatMulWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original(args);
    const backend = args.backend as KernelBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    return withTemporaries(backend, (keep) => {
      const left = transposeA ? keep(runWasmKernel('Transpose', backend, { x: a }, { perm: swapLastTwo(a.shape.length) })) : a;
      const right = transposeB ? keep(runWasmKernel('Transpose', backend, { x: b }, { perm: swapLastTwo(b.shape.length) })) : b;
      return original({ ...args, inputs: { a: left, b: right }, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    });
  };
}

