// Conv2DBackpropFilter for the wasm backend, which ships without it (tfjs issue 8474), so CNNs can train there.
import {
  Conv2DBackpropFilter,
  backend_util,
  getKernel,
  registerKernel,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs';

/** The backend this kernel is written for: it calls that backend's own kernels. */
export const WASM_BACKEND = 'wasm';

/** Thrown when the kernel gets a layout or option it does not implement. */
export class UnsupportedConvGradientError extends Error {
  override name = 'UnsupportedConvGradientError';
}

/** Runs another kernel of the wasm backend directly, as the backend's own kernels do (no engine, no tape). */
function runWasmKernel(name: string, backend: KernelBackend, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = getKernel(name, WASM_BACKEND);
  if (kernel === undefined) throw new Error(`The wasm backend has no '${name}' kernel, which Conv2DBackpropFilter needs.`);
  // Concat takes its inputs as an array; the typing of KernelFunc only knows the named map.
  return kernel.kernelFunc({ inputs: inputs as Record<string, TensorInfo>, backend, attrs }) as TensorInfo;
}

/**
 * dW = im2col(x)^T · dy, computed with one matrix product on wasm's XNNPack path.
 *
 * For filter tap (i, j), dW[i, j, :, :] = Σ over (b, oh, ow) of xPad[b, oh·s + i, ow·s + j, :]ᵀ dy[b, oh, ow, :].
 * We lay x out as [Cin, B, H, W] so that each tap's strided slice, flattened, is a [Cin, B·OH·OW] block; stacking the
 * kh·kw blocks gives colsT [kh·kw·Cin, B·OH·OW], whose row order (tap, channel) is already the filter's
 * [kh, kw, Cin, Cout] order. colsT · dy then needs no transpose flags, which is the only case wasm hands to XNNPack
 * (with a transpose it falls back to a scalar triple loop).
 *
 * Inputs: x [B, H, W, Cin], dy [B, OH, OW, Cout], both float32 NHWC. Output: [kh, kw, Cin, Cout], owned by the engine.
 * Intermediates are wasm buffers made by the called kernels; they are freed here with backend.disposeData.
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
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`Conv2DBackpropFilter expected dy of shape [${batchSize}, ${outHeight}, ${outWidth}, ${outChannels}] ` +
      `for x ${JSON.stringify(x.shape)} and filter ${JSON.stringify(filterShape)}, got ${JSON.stringify(dy.shape)}.`);
  }

  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo): TensorInfo => (temporaries.push(t), t);
  try {
    // [B, H, W, Cin] -> [Cin, B, H, W], then pad so every tap's window is in bounds. TF's 'same' split
    // (total = max((out-1)·s + k - in, 0), top = floor(total/2)) comes from computeConv2DInfo, as in the forward op.
    const channelsFirst = keep(runWasmKernel('Transpose', backend, { x }, { perm: [3, 0, 1, 2] }));
    const paddedHeight = (outHeight - 1) * strideHeight + filterHeight;
    const paddedWidth = (outWidth - 1) * strideWidth + filterWidth;
    const bottom = Math.max(0, paddedHeight - inHeight - padInfo.top);
    const right = Math.max(0, paddedWidth - inWidth - padInfo.left);
    const padded = padInfo.top + bottom + padInfo.left + right === 0 ? channelsFirst : keep(runWasmKernel(
      'PadV2', backend, { x: channelsFirst },
      { paddings: [[0, 0], [0, 0], [padInfo.top, bottom], [padInfo.left, right]], constantValue: 0 }));

    const taps: TensorInfo[] = [];
    for (let i = 0; i < filterHeight; i++) {
      for (let j = 0; j < filterWidth; j++) {
        taps.push(keep(runWasmKernel('StridedSlice', backend, { x: padded }, {
          begin: [0, 0, i, j],
          end: [inChannels, batchSize, i + (outHeight - 1) * strideHeight + 1, j + (outWidth - 1) * strideWidth + 1],
          strides: [1, 1, strideHeight, strideWidth],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        })));
      }
    }
    const cols = taps.length === 1 ? taps[0] as TensorInfo : keep(runWasmKernel('Concat', backend, taps, { axis: 0 }));

    // Views with new shapes over the same buffers: BatchMatMul reshapes (incRef + dispose) internally.
    const rows = filterHeight * filterWidth * inChannels;
    const positions = batchSize * outHeight * outWidth;
    const a: TensorInfo = { dataId: cols.dataId, shape: [1, rows, positions], dtype: 'float32' };
    const b: TensorInfo = { dataId: dy.dataId, shape: [1, positions, outChannels], dtype: 'float32' };
    const product = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
    // The product's buffer becomes the output; relabelling its shape keeps its single reference for the engine.
    return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' };
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
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
 * Registers the kernels the wasm backend lacks for training the course's models; safe to call many times.
 * Returns the names it registered this time (empty when wasm already has them, e.g. a newer tfjs-backend-wasm).
 */
export function registerWasmTrainingKernels(): string[] {
  if (getKernel(Conv2DBackpropFilter, WASM_BACKEND) !== undefined) return [];
  registerKernel(conv2dBackpropFilterWasmConfig);
  return [Conv2DBackpropFilter];
}
