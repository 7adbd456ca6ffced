// Sum and Mean over every axis but the last on wasm (bias gradients, BatchNorm's moments) as one pass of our wasm module.
import { Mean, Sum, util, type KernelBackend, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { columnSums, gemmKind } from './gemm.js';
import { asWasm, type KernelOverride } from './wasm_calls.js';

/**
 * A convolution's bias gradient sums dy over batch, height and width: tf.sum(dy, [0, 1, 2]); BatchNorm's tf.moments
 * takes the mean of x and of its squared deviations over the same axes. wasm's own kernels transpose the reduced
 * axes to the end first: 0.45 ms for seed 001's [64, 14, 14, 16], and Mean 28 of the ResNet's ~330 ms step at batch
 * 512; our module's column sums read the data once, row by row (~0.03 ms for the first). Mean divides the sums by
 * the row count. Over no rows both are zeros, as on cpu (wasm's own Sum leaves its output unwritten there). Other
 * reductions and dtypes go to wasm's own kernel (`original`).
 */
function reduceWasm(kind: 'sum' | 'mean', original: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as KernelBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const allButLast = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    const rows = util.sizeFromShape(x.shape) / (x.shape[rank - 1] as number);
    if (x.dtype !== 'float32' || !allButLast || gemmKind(backend) === undefined) return original(args);
    const n = x.shape[rank - 1] as number;
    const heap = asWasm(backend);
    const out = heap.makeOutput(keepDims ? [...Array<number>(rank - 1).fill(1), n] : [n], 'float32');
    columnSums(backend, x, rows, n, out);
    if (kind === 'mean' && rows > 0) {
      const values = heap.typedArrayFromHeap(out) as Float32Array;
      for (let j = 0; j < n; j++) values[j] = (values[j] as number) / rows;
    }
    return out;
  };
}

export const sumWasm = (original: KernelFunc): KernelFunc => reduceWasm('sum', original);
export const meanWasm = (original: KernelFunc): KernelFunc => reduceWasm('mean', original);

/** Registered over wasm's own Sum and Mean by registerWasmTrainingKernels. */
export const sumOverride: KernelOverride = { kernelName: Sum, wrap: sumWasm };
export const meanOverride: KernelOverride = { kernelName: Mean, wrap: meanWasm };
