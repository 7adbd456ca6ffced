// A fast GatherV2 for wasm: whole slices copied on the heap instead of wasm's per-element index arithmetic.
import { GatherV2, util, type GatherV2Attrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { asWasm, type KernelOverride } from './wasm_calls.js';

type NumericArray = Float32Array | Int32Array | Uint8Array;

// Below this many elements per slice a plain loop beats subarray + set (each costs an allocation).
const BLOCK_COPY_MIN = 16;

/**
 * Gathers slices of x along `axis` (batchDims 0) into a new output owned by the engine. wasm's own kernel computes
 * every element's source index through strides: gathering a [10000, 784] minibatch of MNIST rows took ~260 ms
 * here, and seed 004's full-batch SGD does that 6,000 times. Each gathered slice is contiguous, so one copy per
 * slice does. Out-of-range indices throw the same error as wasm's own kernel; batchDims > 0 and strings go to it.
 */
export function gatherWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    if (x.dtype === 'string' || indices.dtype !== 'int32' || (batchDims ?? 0) !== 0) return original(args);
    const parsedAxis = util.parseAxisParam(axis, x.shape)[0] as number;
    const heap = asWasm(args.backend);
    const index = heap.typedArrayFromHeap(indices) as Int32Array;
    const axisDim = x.shape[parsedAxis] as number;
    for (let i = 0; i < index.length; i++) {
      const value = index[i] as number;
      util.assert(value <= axisDim - 1 && value >= 0, () => `GatherV2: the index value ${value} is not in [0, ${axisDim - 1}]`);
    }
    const outShape = [...x.shape.slice(0, parsedAxis), ...indices.shape, ...x.shape.slice(parsedAxis + 1)];
    const out = heap.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    const outer = util.sizeFromShape(x.shape.slice(0, parsedAxis));
    const slice = util.sizeFromShape(x.shape.slice(parsedAxis + 1));
    gatherInto(heap.typedArrayFromHeap(x) as NumericArray, index, outer, axisDim, slice, heap.typedArrayFromHeap(out) as NumericArray);
    return out;
  };
}

/**
 * The gather on plain arrays (exported for tests): src viewed as [outer, axisDim, slice], dst as
 * [outer, index.length, slice], dst[o, j, :] = src[o, index[j], :].
 */
export function gatherInto(src: NumericArray, index: Int32Array, outer: number, axisDim: number, slice: number, dst: NumericArray): void {
  let to = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * axisDim * slice;
    for (let j = 0; j < index.length; j++) {
      const from = base + (index[j] as number) * slice;
      if (slice >= BLOCK_COPY_MIN) {
        dst.set(src.subarray(from, from + slice), to);
      } else {
        for (let k = 0; k < slice; k++) dst[to + k] = src[from + k] as number;
      }
      to += slice;
    }
  }
}

/** Registered over wasm's own GatherV2 by registerWasmTrainingKernels. */
export const gatherOverride: KernelOverride = { kernelName: GatherV2, wrap: gatherWasm };
