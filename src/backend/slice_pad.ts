// Slice and PadV2 for wasm as copies of contiguous runs on the heap: the ZeroPadding2D of every conv and its gradient.
import { PadV2, Slice, slice_util, type KernelFunc, type PadV2Attrs, type SliceAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { asWasm, type KernelOverride } from './wasm_calls.js';

type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the box of extent `extent` at `srcBegin` in src (shape srcShape) to `dstBegin` in dst (shape dstShape).
 * Trailing axes the box spans fully in both arrays are merged, so each copy moves one contiguous run (a whole
 * padded row of pixels for NHWC images, where wasm's own Slice copies one pixel's channels at a time).
 */
export function copyBox(src: NumericArray, srcShape: readonly number[], srcBegin: readonly number[],
  dst: NumericArray, dstShape: readonly number[], dstBegin: readonly number[], extent: readonly number[]): void {
  const rank = extent.length;
  if (extent.some((e) => e === 0)) return;
  const srcStrides = stridesOf(srcShape);
  const dstStrides = stridesOf(dstShape);
  // The run: the last axis plus every axis before it, from the end, while the axes after it are full in both.
  let axes = rank; // axes [axes, rank) form the run
  let run = 1;
  while (axes > 0) {
    const a = axes - 1;
    run *= extent[a] as number;
    axes--;
    if (extent[a] !== srcShape[a] || extent[a] !== dstShape[a]) break;
  }
  let srcBase = 0;
  let dstBase = 0;
  for (let a = 0; a < rank; a++) {
    srcBase += (srcBegin[a] as number) * (srcStrides[a] as number);
    dstBase += (dstBegin[a] as number) * (dstStrides[a] as number);
  }
  const index = new Array<number>(axes).fill(0);
  const count = extent.slice(0, axes).reduce((x, y) => x * y, 1);
  for (let n = 0; n < count; n++) {
    let from = srcBase;
    let to = dstBase;
    for (let a = 0; a < axes; a++) {
      from += (index[a] as number) * (srcStrides[a] as number);
      to += (index[a] as number) * (dstStrides[a] as number);
    }
    dst.set(src.subarray(from, from + run), to);
    for (let a = axes - 1; a >= 0; a--) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (extent[a] as number)) break;
      index[a] = 0;
    }
  }
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  return strides;
}

/** x[begin : begin + size] for numeric dtypes, output owned by the engine; strings go to wasm's own kernel. */
export function sliceWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [start, extent] = slice_util.parseSliceParams(x as never, begin, size) as [number[], number[]];
    const heap = asWasm(args.backend);
    const out = heap.makeOutput(extent, x.dtype);
    const src = heap.typedArrayFromHeap(x) as NumericArray;
    const dst = heap.typedArrayFromHeap(out) as NumericArray;
    copyBox(src, x.shape, start, dst, extent, extent.map(() => 0), extent);
    return out;
  };
}

/** x padded by `paddings` ([before, after] per axis) with `constantValue`, numeric dtypes; strings go to wasm's own kernel. */
export function padWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    if (x.dtype === 'string' || paddings.some(([before, after]) => before < 0 || after < 0)) return original(args);
    const heap = asWasm(args.backend);
    const outShape = x.shape.map((d, i) => d + (paddings[i]?.[0] ?? 0) + (paddings[i]?.[1] ?? 0));
    const out = heap.makeOutput(outShape, x.dtype);
    const src = heap.typedArrayFromHeap(x) as NumericArray;
    const dst = heap.typedArrayFromHeap(out) as NumericArray;
    dst.fill(constantValue);
    copyBox(src, x.shape, x.shape.map(() => 0), dst, outShape, paddings.map(([before]) => before), x.shape);
    return out;
  };
}

/** Registered over wasm's own Slice and PadV2 by registerWasmTrainingKernels. */
export const sliceOverride: KernelOverride = { kernelName: Slice, wrap: sliceWasm };
export const padOverride: KernelOverride = { kernelName: PadV2, wrap: padWasm };
