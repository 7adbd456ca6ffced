// Conv2DBackpropFilter for the wasm backend, which ships without it (tfjs issue 8474), so CNNs can train there.
import {
  Conv2DBackpropFilter,
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { gemm, gemmKind, windows, type WindowGeometry } from './gemm.js';
import { WASM_BACKEND, asWasm, runWasmKernel, viewAs, withTemporaries } from './wasm_calls.js';

/** Thrown when the kernel gets a layout or option it does not implement. */
export class UnsupportedConvGradientError extends Error {
  override name = 'UnsupportedConvGradientError';
}

/**
 * The filter gradient, computed as one forward convolution on wasm's XNNPack path.
 *
 * dW[i, j, c, o] = Σ over (b, oh, ow) of xPad[b, oh·s + i, ow·s + j, c] · dy[b, oh, ow, o]. Read with the batch as
 * the summed "channel" axis, that is a stride-1 convolution: input x as [Cin, H, W, B] (Cin plays the batch),
 * filter dy as [OH, OW, B, Cout] dilated by the stride s, output [Cin, kh, kw, Cout]. One XNNPack convolution does
 * it (about 1 ms for the tutorial CNN's middle conv at batch 64), where slicing out kh·kw strided windows for an
 * im2col matrix cost ~7 ms per window in wasm's generic StridedSlice kernel.
 *
 * Where our wasm SIMD module runs (src/backend/gemm.ts), it goes by columns in that module instead
 * (filterGradientByGemm); otherwise with one input channel by columns in JavaScript (filterGradientByColumns).
 * Inputs: x [B, H, W, Cin], dy [B, OH, OW, Cout], both float32 NHWC. Output: [kh, kw, Cin, Cout], owned by the engine.
 * Intermediates are wasm buffers made by the called kernels; withTemporaries frees them.
 */
export const conv2dBackpropFilterWasm: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const dilations = (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
  checkSupported(x, dy, dataFormat, dilations);

  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`Conv2DBackpropFilter expected dy of shape [${batchSize}, ${outHeight}, ${outWidth}, ${outChannels}] ` +
      `for x ${JSON.stringify(x.shape)} and filter ${JSON.stringify(filterShape)}, got ${JSON.stringify(dy.shape)}.`);
  }

  if (gemmKind(backend) !== undefined) return filterGradientByGemm(backend, x, dy, info);
  // One input channel (the first conv on grey images): the convolution below would run on a batch of one, while the
  // columns are a plain strided copy; by columns took half the time (0.6 vs 1.2 ms for seed 001's conv1 at batch 64).
  // With more channels the convolution was 1.5-3x faster than columns, so it stays the general path.
  if (inChannels === 1) return filterGradientByColumns(backend, x, dy, info);
  return withTemporaries(backend, (keep) => {
    const xByChannel = keep(runWasmKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] })); // [Cin, H, W, B]
    const dyAsFilter = keep(runWasmKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] })); // [OH, OW, B, Cout]
    // Pad as the forward conv did (TF's 'same' split, total = max((out-1)·s + k - in, 0) and top = floor(total/2),
    // comes from computeConv2DInfo), up to the rows and columns the last window reaches. Windows that a 'valid'
    // conv dropped at the bottom or right only add extra output rows or columns, which we cut off below.
    const bottom = Math.max(0, (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top);
    const right = Math.max(0, (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left);
    const correlation = keep(runWasmKernel('Conv2D', backend, { x: xByChannel, filter: dyAsFilter }, {
      strides: 1,
      dilations: [strideHeight, strideWidth],
      pad: [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]],
      dataFormat: 'NHWC',
    })); // [Cin, >= kh, >= kw, Cout]
    const cropped = correlation.shape[1] === filterHeight && correlation.shape[2] === filterWidth ? correlation : keep(
      runWasmKernel('Slice', backend, { x: correlation },
        { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] }));
    return runWasmKernel('Transpose', backend, { x: cropped }, { perm: [1, 2, 0, 3] }); // [kh, kw, Cin, Cout]
  });
};

function checkSupported(x: TensorInfo, dy: TensorInfo, dataFormat: string, dilations: number | [number, number]): void {
  if (dataFormat !== 'NHWC') {
    throw new UnsupportedConvGradientError(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC', got '${dataFormat}'. ` +
      `Keep images as [batch, height, width, channels] (the TF.js default), or use the cpu backend.`);
  }
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new UnsupportedConvGradientError(`Conv2DBackpropFilter on wasm supports dilations 1, got ${JSON.stringify(dilations)}. ` +
      `Use dilation 1, or the cpu backend.`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new UnsupportedConvGradientError(`Conv2DBackpropFilter on wasm supports float32, got x ${x.dtype} and dy ${dy.dtype}. ` +
      `Cast the inputs with tf.cast(t, 'float32').`);
  }
}

/** The registration record for tf.registerKernel. */
export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2dBackpropFilterWasm,
};

/**
 * The filter gradient by columns: dW = colsᵀ · dy as one XNNPack product [kh·kw·Cin, N] x [N, Cout], N = B·OH·OW,
 * where row (i, j, c) of colsᵀ holds x[b, oh·s + i - top, ow·s + j - left, c] for every output pixel (0 in the
 * padding), written here in JavaScript (an "im2col", built transposed so the product needs no transpose).
 * Output [kh, kw, Cin, Cout] owned by the engine; the columns are freed here.
 */
export function filterGradientByColumns(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  const n = batchSize * outHeight * outWidth;
  const rows = filterHeight * filterWidth * inChannels;
  return withTemporaries(backend, (keep) => {
    const heap = asWasm(backend);
    const columns = keep(heap.makeOutput([rows, n], 'float32'));
    const src = heap.typedArrayFromHeap(x) as Float32Array;
    const cols = heap.typedArrayFromHeap(columns) as Float32Array;
    for (let i = 0; i < filterHeight; i++) {
      for (let j = 0; j < filterWidth; j++) {
        for (let c = 0; c < inChannels; c++) {
          let to = ((i * filterWidth + j) * inChannels + c) * n;
          for (let b = 0; b < batchSize; b++) {
            for (let oh = 0; oh < outHeight; oh++) {
              const ih = oh * strideHeight + i - padInfo.top;
              if (ih < 0 || ih >= inHeight) {
                cols.fill(0, to, to + outWidth);
                to += outWidth;
                continue;
              }
              const rowStart = (b * inHeight + ih) * inWidth * inChannels + c;
              for (let ow = 0; ow < outWidth; ow++) {
                const iw = ow * strideWidth + j - padInfo.left;
                cols[to++] = iw >= 0 && iw < inWidth ? (src[rowStart + iw * inChannels] as number) : 0;
              }
            }
          }
        }
      }
    }
    const dyRows = keep(runWasmKernel('Reshape', backend, { x: dy }, { shape: [n, outChannels] }));
    const product = keep(runWasmKernel('BatchMatMul', backend, { a: columns, b: dyRows }, { transposeA: false, transposeB: false }));
    return runWasmKernel('Reshape', backend, { x: product }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
  });
}

/** The window geometry of a convolution, for gemm.c's im2col / col2im. */
export function geometryOf(info: backend_util.Conv2DInfo): WindowGeometry {
  return {
    batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, channels: info.inChannels,
    filterHeight: info.filterHeight, filterWidth: info.filterWidth, strideHeight: info.strideHeight, strideWidth: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left, outHeight: info.outHeight, outWidth: info.outWidth,
  };
}

/**
 * The filter gradient from columns in our wasm module: im2col writes cols [N, kh·kw·Cin] (N = B·OH·OW), then one
 * product over the long N axis. Where the window is the longer side it is dyᵀ · cols, dWᵀ [Cout, kh·kw·Cin], and a
 * small transpose to the [kh, kw, Cin, Cout] layout: for the ResNet's 14x14x8 ResBlock convs at batch 512
 * (N = 100,352) 9.3 ms against 18.8 for colsᵀ · dy. Short windows (one input channel: 9 values) take colsᵀ · dy,
 * whose 8-column panels then hold the output channels. On seed 001's CNN at batch 64 (one core, AMD EPYC): the
 * middle conv 1.8 -> 0.75 ms, the first 0.82 -> 0.68 ms, the last 0.36 -> 0.23 ms (result read back included).
 * Output [kh, kw, Cin, Cout] owned by the engine.
 */
export function filterGradientByGemm(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const n = batchSize * outHeight * outWidth;
  const window = filterHeight * filterWidth * inChannels;
  const dyRows = viewAs(dy, [n, outChannels]);
  return withTemporaries(backend, (keep) => {
    const heap = asWasm(backend);
    const columns = keep(heap.makeOutput([n, window], 'float32'));
    windows(backend, 'im2col', x, columns, geometryOf(info));
    if (window < 2 * outChannels) {
      const out = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
      gemm(backend, { a: columns, transposeA: true, b: dyRows, transposeB: false, relu: false, out });
      return out;
    }
    const transposed = keep(heap.makeOutput([outChannels, window], 'float32'));
    gemm(backend, { a: dyRows, transposeA: true, b: columns, transposeB: false, relu: false, out: transposed });
    const out = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
    // Views after the last makeOutput (an allocation may grow the heap and detach older views).
    const [from, to] = [heap.typedArrayFromHeap(transposed) as Float32Array, heap.typedArrayFromHeap(out) as Float32Array];
    for (let o = 0; o < outChannels; o++) {
      for (let w = 0; w < window; w++) to[w * outChannels + o] = from[o * window + w] as number;
    }
    return out;
  });
}
