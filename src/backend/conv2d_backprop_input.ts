// A fast Conv2DBackpropInput for wasm: the input gradient as one XNNPack convolution instead of wasm's plain C++ loops.
import {
  Conv2DBackpropInput,
  backend_util,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { asWasm, runWasmKernel, withTemporaries, type KernelOverride, type WasmHeap } from './wasm_calls.js';

/**
 * The input gradient of a convolution, as a stride-1 forward convolution on wasm's XNNPack path.
 *
 * dx[b, ih, iw, c] = Σ over (oh, ow, i, j) with oh·s + i - top = ih and ow·s + j - left = iw of
 * dy[b, oh, ow, o] · W[i, j, c, o]: the output gradient, with s - 1 zero rows and columns between its rows and
 * columns ("dilated" by the stride s), correlated with the filter flipped in both spatial axes and with its channel
 * axes swapped, W'[i, j, o, c] = W[kh-1-i, kw-1-j, c, o], padded by kh-1-top above and kw-1-left on the left.
 * wasm's own kernel runs naive loops (~190 ms of the ResNet's ~600 ms step at batch 64); this is one convolution.
 *
 * Inputs: dy [B, OH, OW, Cout], filter [kh, kw, Cin, Cout], float32 NHWC. Output: [B, H, W, Cin], owned by the
 * engine. Other layouts, dilations and dtypes go to wasm's own kernel (`original`).
 */
export function conv2dBackpropInputWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    const dilations = (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
    const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    if (dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32' || dh !== 1 || dw !== 1) return original(args);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad,
      dimRoundingMode, false, 'channelsLast');
    const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const dilatedHeight = (outHeight - 1) * strideHeight + 1;
    const dilatedWidth = (outWidth - 1) * strideWidth + 1;
    const bottom = inHeight + filterHeight - 1 - dilatedHeight - top;
    const right = inWidth + filterWidth - 1 - dilatedWidth - left;
    // Negative paddings (a forward padding wider than the filter) are not worth a crop step here.
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(args);

    return withTemporaries(backend, (keep) => {
      const heap = asWasm(backend);
      const flipped = keep(flipAndSwapChannels(heap, filter));
      const spread = strideHeight === 1 && strideWidth === 1 ? dy : keep(dilate(heap, dy, strideHeight, strideWidth));
      return runWasmKernel('Conv2D', backend, { x: spread, filter: flipped }, {
        strides: 1,
        dilations: 1,
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
      }); // [B, H, W, Cin]
    });
  };
}

/** W [kh, kw, Cin, Cout] -> W' [kh, kw, Cout, Cin] with W'[i, j, o, c] = W[kh-1-i, kw-1-j, c, o]; the caller frees it. */
function flipAndSwapChannels(heap: WasmHeap, filter: TensorInfo): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const out = heap.makeOutput([kh, kw, cout, cin], 'float32');
  // Views after makeOutput: an allocation may grow the wasm memory, which detaches earlier views.
  const w = heap.typedArrayFromHeap(filter) as Float32Array;
  const flipped = heap.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
      const to = (i * kw + j) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) flipped[to + o * cin + c] = w[from + c * cout + o] as number;
      }
    }
  }
  return out;
}

/** dy [B, OH, OW, C] -> [B, (OH-1)·sh + 1, (OW-1)·sw + 1, C] with dy's pixels every sh rows and sw columns, zeros between. */
function dilate(heap: WasmHeap, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [batch, oh, ow, channels] = dy.shape as [number, number, number, number];
  const height = (oh - 1) * sh + 1;
  const width = (ow - 1) * sw + 1;
  const out = heap.makeOutput([batch, height, width, channels], 'float32');
  const src = heap.typedArrayFromHeap(dy) as Float32Array;
  const dst = heap.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  let from = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      let to = ((b * height + r * sh) * width) * channels;
      for (let col = 0; col < ow; col++, to += sw * channels) {
        for (let c = 0; c < channels; c++) dst[to + c] = src[from++] as number;
      }
    }
  }
  return out;
}

/** Registered over wasm's own Conv2DBackpropInput by registerWasmTrainingKernels. */
export const conv2dBackpropInputOverride: KernelOverride = { kernelName: Conv2DBackpropInput, wrap: conv2dBackpropInputWasm };
