// A fast Conv2DBackpropInput for wasm: XNNPack convolutions, and products in our wasm module, instead of wasm's plain C++ loops.
import {
  Conv2DBackpropInput,
  backend_util,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { geometryOf } from './conv2d_backprop_filter.js';
import { gemm, gemmKind, windows } from './gemm.js';
import { asWasm, runWasmKernel, viewAs, withTemporaries, type KernelOverride, type WasmHeap } from './wasm_calls.js';

/**
 * The input gradient of a convolution, dx[b, ih, iw, c] = Σ over (oh, ow, i, j) with oh·s + i - top = ih and
 * ow·s + j - left = iw of dy[b, oh, ow, o] · W[i, j, c, o], on wasm's XNNPack path:
 * - stride 1: a forward convolution of dy with the filter flipped in both spatial axes and its channel axes swapped,
 *   W'[i, j, o, c] = W[kh-1-i, kw-1-j, c, o], padded by kh-1-top above and kw-1-left on the left;
 * - larger strides: by columns, which skips the zeros a convolution would need between dy's pixels: in our wasm
 *   module (backpropByGemm), or with XNNPack and JavaScript where it does not run (backpropByColumns).
 * wasm's own kernel runs naive loops: ~190 ms of the ResNet's ~600 ms step at batch 64 before this kernel.
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
    if (info.strideHeight > 1 || info.strideWidth > 1) {
      return gemmKind(backend) !== undefined ? backpropByGemm(backend, dy, filter, info) : backpropByColumns(backend, dy, filter, info);
    }
    const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, padInfo } = info;
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const bottom = inHeight + filterHeight - 1 - outHeight - top;
    const right = inWidth + filterWidth - 1 - outWidth - left;
    // Negative paddings (a forward padding wider than the filter) are not worth a crop step here.
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(args);
    return withTemporaries(backend, (keep) => {
      const flipped = keep(flipAndSwapChannels(asWasm(backend), filter));
      return runWasmKernel('Conv2D', backend, { x: dy, filter: flipped }, {
        strides: 1,
        dilations: 1,
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
      }); // [B, H, W, Cin]
    });
  };
}

/**
 * The input gradient of a strided convolution by columns: cols = dy · Wᵀ, one matrix product [B·OH·OW, Cout] x
 * [Cout, kh·kw·Cin] on XNNPack, then each row's kh·kw·Cin values are added into the input pixels its window
 * covered ("col2im"). The dilated-convolution form above would multiply s² - 1 of every s² values by zeros.
 * Output [B, H, W, Cin] owned by the engine; the columns are freed here.
 */
function backpropByColumns(backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  const rows = batchSize * outHeight * outWidth;
  const windowSize = filterHeight * filterWidth * inChannels;
  return withTemporaries(backend, (keep) => {
    const dyRows = keep(runWasmKernel('Reshape', backend, { x: dy }, { shape: [rows, outChannels] }));
    const filterRows = keep(runWasmKernel('Reshape', backend, { x: filter }, { shape: [windowSize, outChannels] }));
    const columns = keep(runWasmKernel('BatchMatMul', backend, { a: dyRows, b: filterRows }, { transposeA: false, transposeB: true }));
    const heap = asWasm(backend);
    const out = heap.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
    const cols = heap.typedArrayFromHeap(columns) as Float32Array;
    const dx = heap.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    let row = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++, row += windowSize) {
          for (let i = 0; i < filterHeight; i++) {
            const ih = oh * strideHeight + i - padInfo.top;
            if (ih < 0 || ih >= inHeight) continue;
            for (let j = 0; j < filterWidth; j++) {
              const iw = ow * strideWidth + j - padInfo.left;
              if (iw < 0 || iw >= inWidth) continue;
              const to = ((b * inHeight + ih) * inWidth + iw) * inChannels;
              const from = row + (i * filterWidth + j) * inChannels;
              for (let c = 0; c < inChannels; c++) dx[to + c] = (dx[to + c] as number) + (cols[from + c] as number);
            }
          }
        }
      }
    }
    return out;
  });
}

/**
 * backpropByColumns in our wasm module: cols = dy · Wᵀ ([B·OH·OW, Cout] x [Cout, kh·kw·Cin]) by gemm, then col2im adds
 * each window's values into the pixels it covered. On seed 001's CNN at batch 64 (one core, AMD EPYC): the middle
 * conv 2.5 -> 1.3 ms, the last 0.78 -> 0.46 ms (result read back included). Output [B, H, W, Cin] owned by the
 * engine; the columns are freed here.
 */
function backpropByGemm(backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const rows = batchSize * outHeight * outWidth;
  const window = filterHeight * filterWidth * inChannels;
  return withTemporaries(backend, (keep) => {
    const heap = asWasm(backend);
    const columns = keep(heap.makeOutput([rows, window], 'float32'));
    gemm(backend, { a: viewAs(dy, [rows, outChannels]), transposeA: false, b: viewAs(filter, [window, outChannels]), transposeB: true, relu: false, out: columns });
    const out = heap.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
    windows(backend, 'col2im', columns, out, geometryOf(info));
    return out;
  });
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

/** Registered over wasm's own Conv2DBackpropInput by registerWasmTrainingKernels. */
export const conv2dBackpropInputOverride: KernelOverride = { kernelName: Conv2DBackpropInput, wrap: conv2dBackpropInputWasm };
